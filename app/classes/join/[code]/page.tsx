import Link from "next/link";
import { redirect } from "next/navigation";
import { signedIn } from "@/server/auth/page-session";

export const dynamic = "force-dynamic";

/** A class's join link: signed in, the user joins and lands on the class. */
export default async function JoinPage({ params }: { params: Promise<{ code: string }> }) {
  const { code } = await params;
  const { who, all } = await signedIn(`/classes/join/${encodeURIComponent(code)}`);
  let id: string;
  try {
    id = (await all.classes.join(who, code.toUpperCase())).id;
  } catch (e) {
    return (
      <main className="auth-page">
        <div className="auth-box" role="alert">
          <h1>Cannot join</h1>
          <p>{(e as Error).message}</p>
          <Link href="/classes">Your classes</Link>
        </div>
      </main>
    );
  }
  redirect(`/classes/${id}`);
}
