/** The bundled web server's path (scripts/web-bundle.mjs). */
export declare const WEB_BUNDLE: string;
/** The bundle's path, built first if it is missing or older than the sources. */
export declare function webBundle(): Promise<string>;
