import { notFound } from "next/navigation";
import { AdminPanel } from "@/components/account/AdminPanel";
import { signedIn } from "@/server/auth/page-session";
import { can } from "@/server/auth/permissions";

export const dynamic = "force-dynamic";

export default async function AdminPage() {
  const { who } = await signedIn("/admin");
  if (!can(who, "User.Admin")) notFound();
  return <AdminPanel />;
}
