// The data root's parts that are made, not installed: the database (with
// its migrations), the default guest image and the UML host helper. Each
// step is cached and quick when there is nothing to do.
import { dataRoot } from "../server/engine/paths";
import { busyboxImage } from "../server/engine/image/busybox";
import { xstateShim } from "../server/engine/uml/xstate-shim";
import { databasePath } from "../server/store/db";
import { migrate } from "../server/store/migrate";
import { mkdirSync } from "node:fs";

const root = dataRoot();
mkdirSync(root, { recursive: true });
const applied = migrate(databasePath(root));
if (applied.length) console.log(`provision: database migrations applied: ${applied.join(", ")}`);
const image = busyboxImage(root);
xstateShim(root);
console.log(`provision: data root ${root} (guest image ${image.slice(root.length + 1)})`);
