import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addArgs } from "./image";

describe("umlab image add", () => {
  const files: Record<string, string> = { "./index.html": "<h1>hi</h1>\n" };
  const read = (f: string) => {
    if (!(f in files)) throw new Error(`ENOENT: ${f}`);
    return files[f];
  };

  it("sends the recipe as the API takes it, files read from this machine", () => {
    assert.deepEqual(addArgs(["web", "--packages", "apache2, jq", "--suite", "trixie", "--memory", "128", "--file", "/var/www/html/index.html=./index.html", "--no-wait"], read), {
      recipe: { name: "web", packages: ["apache2", "jq"], suite: "trixie", memoryMiB: 128, files: { "/var/www/html/index.html": "<h1>hi</h1>\n" } },
      wait: false,
    });
    assert.deepEqual(addArgs(["web", "--packages", "jq", "--memory", "1G"], read), { recipe: { name: "web", packages: ["jq"], memoryMiB: 1024 }, wait: true });
  });

  it("says what is missing or wrong before asking the server", () => {
    assert.throws(() => addArgs(["web"], read), /--packages is needed/);
    assert.throws(() => addArgs(["--packages", "jq"], read), /missing the recipe's NAME/);
    assert.throws(() => addArgs(["web", "--packages"], read), /--packages needs a value/);
    assert.throws(() => addArgs(["web", "--packages", "jq", "--file", "/etc/x"], read), /--file takes GUESTPATH=LOCALFILE, not "\/etc\/x"/);
    assert.throws(() => addArgs(["web", "--packages", "jq", "--file", "/etc/x=./nope"], read), /ENOENT/);
    assert.throws(() => addArgs(["web", "--packages", "jq", "--memory", "lots"], read), /--memory: "lots" is not a memory size/);
    assert.throws(() => addArgs(["web", "other", "--packages", "jq"], read), /unexpected "other"/);
  });
});
