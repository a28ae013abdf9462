import { LabList } from "@/components/labs/LabList";
import { signedIn } from "@/server/auth/page-session";

export const dynamic = "force-dynamic";

export default async function Home() {
  const { who, all } = await signedIn("/");
  return <LabList initial={await all.labs.list(who)} />;
}
