import { LabList } from "@/components/labs/LabList";
import { services } from "@/server/api/registry";

export const dynamic = "force-dynamic";

export default async function Home() {
  return <LabList initial={await services().list()} />;
}
