import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FragmentError, parseFragment, unmetOptions } from "./fragment";

const problemsOf = (text: string) => {
  try {
    parseFragment(text);
  } catch (e) {
    assert.ok(e instanceof FragmentError);
    return e.problems;
  }
  assert.fail("the fragment was accepted");
};

describe("a user's kernel fragment", () => {
  it("reads CONFIG_X=y|m|n|\"text\"|number and # CONFIG_X is not set, skipping comments and blank lines", () => {
    const options = parseFragment(
      ["# my kernel", "", "CONFIG_NET_SCH_CAKE=m", "CONFIG_IKCONFIG=y", "CONFIG_BONDING=n", '  CONFIG_DEFAULT_HOSTNAME="lab \\"one\\""', "CONFIG_LOG_BUF_SHIFT=17", "CONFIG_BASE=0x1f\r", "# CONFIG_IPV6 is not set", "CONFIG_IKCONFIG=m"].join("\n"),
    );
    assert.deepEqual(Object.fromEntries(options), {
      NET_SCH_CAKE: "m",
      IKCONFIG: "m", // the last line wins, as in merge_config.sh
      BONDING: "n",
      DEFAULT_HOSTNAME: '"lab \\"one\\""',
      LOG_BUF_SHIFT: "17",
      BASE: "0x1f",
      IPV6: "n",
    });
  });

  it("refuses every line that is not an option, with its line number", () => {
    assert.deepEqual(
      problemsOf(["CONFIG_A=y", "CONFIG_B=yes", "", "CONFIG_C = m", "NET_SCH_CAKE=m", "CONFIG_D=unquoted text", "# CONFIG_E is off", "make menuconfig"].join("\n")).map((p) => p.line),
      [2, 4, 5, 6, 8],
    );
    const [p] = problemsOf("CONFIG_A=y\nCONFIG_B=yes\n");
    assert.equal(p.line, 2);
    assert.match(p.message, /"CONFIG_B=yes" is not CONFIG_X=y\|m\|n\|"text"\|number, "# CONFIG_X is not set" or a comment/);
    assert.throws(() => parseFragment("CONFIG_A=y\n\tfoo\n"), { name: "FragmentError", message: /line 2: "foo"/ });
  });

  it("refuses taking away what umlab needs to boot and reach a node", () => {
    const problems = problemsOf("CONFIG_NET_SCH_CAKE=m\n# CONFIG_BLK_DEV_UBD is not set\nCONFIG_MCONSOLE=m\nCONFIG_MODULES=n\n");
    assert.deepEqual(problems.map((p) => p.line), [2, 3, 4]);
    assert.match(problems[0].message, /CONFIG_BLK_DEV_UBD must stay built in \(=y\): a node's disks/);
    assert.doesNotThrow(() => parseFragment("CONFIG_BLK_DEV_UBD=y\n"));
  });

  it("refuses turning on hostfs (guest root could mount host folders) or kernel stacks in vmalloc space", () => {
    const problems = problemsOf("CONFIG_NET_SCH_CAKE=m\nCONFIG_HOSTFS=y\nCONFIG_VMAP_STACK=y\nCONFIG_HOSTFS=m\n");
    assert.deepEqual(problems.map((p) => p.line), [2, 3, 4]);
    assert.match(problems[0].message, /CONFIG_HOSTFS must stay off: guest root could mount host folders/);
    assert.doesNotThrow(() => parseFragment("# CONFIG_HOSTFS is not set\nCONFIG_VMAP_STACK=n\n"));
  });

  it("refuses a fragment that sets nothing", () => {
    assert.deepEqual(problemsOf("# nothing\n\n"), [{ line: 1, message: "the fragment sets no option" }]);
  });

  it("says which options did not end up as asked in the resolved configuration", () => {
    const asked = parseFragment("CONFIG_NET_SCH_CAKE=m\n# CONFIG_IPV6 is not set\nCONFIG_IPV6_SIT=m\nCONFIG_NO_SUCH=y\nCONFIG_CRC32=m\nCONFIG_BONDING=n\nCONFIG_HZ=250\n");
    const resolved = ["CONFIG_NET_SCH_CAKE=m", "# CONFIG_IPV6 is not set", "CONFIG_CRC32=y", "CONFIG_BONDING=m", "CONFIG_HZ=250", ""].join("\n");
    assert.deepEqual(unmetOptions(asked, resolved), [
      "CONFIG_IPV6_SIT=m was asked, but it is not set (a dependency is missing, or there is no such option for ARCH=um)",
      "CONFIG_NO_SUCH=y was asked, but it is not set (a dependency is missing, or there is no such option for ARCH=um)",
      "CONFIG_CRC32=m was asked, but it is y (something selects it)",
      "CONFIG_BONDING=n was asked, but it is m (something selects it)",
    ]);
  });
});
