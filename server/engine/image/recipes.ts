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
  /** Files the packages install that a lab's own must not meet (absolute paths in the guest). */
  remove?: string[];
  /** Files copied in last (absolute guest path → text): a user recipe's configuration, over the packages' own. */
  files?: Record<string, string>;
}

// Debian's frr package ships an integrated /etc/frr/frr.conf: with it in the
// image, a lab that brings per-daemon files (bgpd.conf, ...) would have them
// overlooked. A lab's frr.conf, when it brings one, is the only one.
const FRR_DEFAULTS = ["/etc/frr/frr.conf"];

// What a network lab reaches for on every node: addresses and routes,
// reachability and paths, captures, filters, a shell and an editor.
const NETWORK_TOOLS = [
  "bash", "iproute2", "iputils-ping", "iputils-arping", "traceroute", "mtr-tiny", "tcpdump", "net-tools", "ethtool",
  "nftables", "iptables", "netcat-openbsd", "curl", "iperf3", "procps", "psmisc", "kmod", "less", "vim-tiny",
];

// Kathará's base image (kathara/base, Debian bookworm) as far as labs use it:
// FRR, the services lab scripts start (web, DNS, router advertisements, ssh,
// DHCP) and the tools they call.
const KATHARA_PACKAGES = [
  ...NETWORK_TOOLS, "frr", "apache2", "bind9", "bind9-utils", "dnsutils", "radvd", "openssh-server", "isc-dhcp-server", "isc-dhcp-client",
  "hping3", "arptables", "ebtables", "bridge-utils", "telnet", "wget", "ndisc6", "python3", "python3-scapy", "nano", "tmux", "rsync",
];

// The HA cluster case study (samples/ha-cluster.yaml): heartbeat as in the
// classic UML lab, keepalived for a VRRP variant, and an NFS server and client.
const CLUSTER_PACKAGES = [...NETWORK_TOOLS, "heartbeat", "keepalived", "nfs-kernel-server", "nfs-common", "rpcbind", "e2fsprogs"];

export const debianRecipes: readonly DebianRecipe[] = [
  {
    name: "router",
    description: "Debian bookworm with FRR (zebra, ospfd, bgpd, ...), iproute2, tcpdump and network tools",
    suite: "bookworm",
    packages: [...NETWORK_TOOLS, "frr"],
    memoryMiB: 128,
    remove: FRR_DEFAULTS,
  },
  {
    name: "host",
    description: "Debian bookworm with iproute2, tcpdump, curl, iperf3 and network tools",
    suite: "bookworm",
    packages: NETWORK_TOOLS,
    memoryMiB: 64,
  },
  {
    name: "kathara",
    description: "Debian bookworm like Kathará's base image: FRR, apache2, bind9, radvd, ssh, DHCP, scapy and network tools",
    suite: "bookworm",
    packages: KATHARA_PACKAGES,
    memoryMiB: 128,
    remove: FRR_DEFAULTS,
  },
  {
    name: "cluster",
    description: "Debian bookworm with heartbeat, keepalived, an NFS server and client, and network tools",
    suite: "bookworm",
    packages: CLUSTER_PACKAGES,
    memoryMiB: 128,
  },
];

export function debianRecipe(name: string): DebianRecipe | undefined {
  return debianRecipes.find((r) => r.name === name);
}
