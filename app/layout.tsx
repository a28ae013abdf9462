import type { ReactNode } from "react";
import "./globals.css";

export const metadata = { title: "umlab", description: "Virtual network labs on User Mode Linux", icons: { icon: "/favicon.svg" } };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
