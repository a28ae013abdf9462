#!/usr/bin/env node
// The `umlab` command: the CLI is TypeScript, loaded through tsx.
import { register } from "tsx/esm/api";

register();
await import("../server/cli.ts");
