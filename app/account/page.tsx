import { Tokens } from "@/components/account/Tokens";
import { signedIn } from "@/server/auth/page-session";

export const dynamic = "force-dynamic";

export default async function AccountPage() {
  await signedIn("/account");
  return <Tokens />;
}
