/**
 * Debian guest images umlab builds with mmdebstrap. A recipe is data: its
 * hash (with the guest files) names the image, so changing it gives a new
 * image and never touches one a node's disk lies over.
 */
export interface DebianRecipe {
  name: string;
  description: string;
  suite: string;
  /** Installed over Debian's minbase variant. */
  packages: string[];
  /** What nodes of this image should be given at least (FRR runs out of memory below it). */
  memoryMiB: number;
}

// What a network lab reaches for on every node: addresses and routes,
// reachability and paths, captures, filters, a shell and an editor.
const NETWORK_TOOLS = [
  "bash", "iproute2", "iputils-ping", "iputils-arping", "traceroute", "mtr-tiny", "tcpdump", "net-tools", "ethtool",
  "nftables", "iptables", "netcat-openbsd", "curl", "iperf3", "procps", "psmisc", "kmod", "less", "vim-tiny",
];

export const debianRecipes: readonly DebianRecipe[] = [
  {
    name: "router",
    description: "Debian bookworm with FRR (zebra, ospfd, bgpd, ...), iproute2, tcpdump and network tools",
    suite: "bookworm",
    packages: [...NETWORK_TOOLS, "frr"],
    memoryMiB: 128,
  },
  {
    name: "host",
    description: "Debian bookworm with iproute2, tcpdump, curl, iperf3 and network tools",
    suite: "bookworm",
    packages: NETWORK_TOOLS,
    memoryMiB: 64,
  },
];

export function debianRecipe(name: string): DebianRecipe | undefined {
  return debianRecipes.find((r) => r.name === name);
}
