import { services } from "@/server/api/registry";

export const dynamic = "force-dynamic";

/** The lab list. The topology canvas and terminals come with the browser console. */
export default async function Home() {
  const labs = await services().list();
  return (
    <main>
      <h1>umlab</h1>
      <p>Virtual network labs on User Mode Linux. Every action is also in the HTTP API (<code>/api/labs</code>) and the <code>umlab</code> CLI.</p>
      <table data-testid="labs">
        <thead>
          <tr>
            <th>Lab</th>
            <th>Nodes</th>
            <th>Switches</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {labs.map((l) => (
            <tr key={l.id} data-lab={l.name}>
              <td>
                <strong>{l.name}</strong>
                <br />
                <small>{l.description}</small>
              </td>
              <td>{l.nodes}</td>
              <td>{l.switches}</td>
              <td>
                <span className={`badge ${l.running ? "running" : "stopped"}`}>{l.running ? "running" : "stopped"}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
