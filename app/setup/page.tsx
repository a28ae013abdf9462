import { redirect } from "next/navigation";
import { Setup } from "@/components/account/Setup";
import { services } from "@/server/api/registry";

export const dynamic = "force-dynamic";

export default async function SetupPage() {
  if (await services().accounts.hasUsers()) redirect("/login");
  return <Setup />;
}
