import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";
type P = { lab: string; capture: string };

/** The frames a capture holds, as pcapng (Wireshark, tshark): partial while it runs. */
export const GET = handler<P>(async (_svc, _req, { lab, capture }, who, all) => all.captures.pcap(who, lab, capture));
