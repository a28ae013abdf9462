import { redirect } from "next/navigation";
import { SignIn } from "@/components/account/SignIn";
import { services } from "@/server/api/registry";

export const dynamic = "force-dynamic";

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  if (!(await services().accounts.hasUsers())) redirect("/setup");
  return <SignIn next={(await searchParams).next ?? "/"} />;
}
