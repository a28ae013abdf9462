"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useRef, useState, type FormEvent } from "react";
import type { LabSummary } from "@/server/api/lab-service";
import { api } from "../client/api";
import { umlabSocket } from "../client/socket";
import { AccountMenu } from "../account/AccountMenu";
import { ImageList } from "./ImageList";
import { KernelStatus } from "./KernelStatus";

type Dialog = { kind: "create" } | { kind: "duplicate"; lab: LabSummary } | { kind: "delete"; lab: LabSummary } | null;

/** Every lab with its state; create, import, duplicate, delete, start and stop. */
export function LabList({ initial }: { initial: LabSummary[] }) {
  const [labs, setLabs] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const file = useRef<HTMLInputElement>(null);
  const katharaFolder = useRef<HTMLInputElement>(null);
  const katharaArchive = useRef<HTMLInputElement>(null);
  const [imported, setImported] = useState<{ id: string; name: string; warnings: string[] } | null>(null);
  const router = useRouter();

  // Answers can come back out of order under load: only the last one asked for counts.
  const asked = useRef(0);
  const refresh = useCallback(() => {
    const mine = ++asked.current;
    return api
      .list()
      .then((l) => mine === asked.current && setLabs(l))
      .catch((e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    const socket = umlabSocket();
    const onLab = () => void refresh();
    socket.on("labs:changed", onLab);
    socket.on("live:resync", onLab);
    return () => {
      socket.off("labs:changed", onLab);
      socket.off("live:resync", onLab);
    };
  }, [refresh]);

  const run = async (label: string, fn: () => Promise<unknown>) => {
    setBusy(label);
    setError(null);
    try {
      await fn();
      await refresh();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  const onImport = async (f: File | undefined) => {
    if (!f) return;
    await run(`importing ${f.name}`, async () => {
      // A whole lab with its disks (exported with "Export with disks"), or a lab.yaml.
      const d = f.name.endsWith(".umlab") ? await api.importArchive(f) : await api.importYaml(await f.text(), f.name);
      router.push(`/labs/${d.id}`);
    });
    if (file.current) file.current.value = "";
  };

  // A Kathará lab rarely comes over whole: its warnings stay on this page until dismissed.
  const onImportKathara = async (all: File[]) => {
    // Hidden entries at the folder's top (.git/) are no part of the lab: not worth sending.
    const picked = all.filter((f) => !/^[^/]+\/\./.test(f.webkitRelativePath));
    if (!picked.length) return;
    setImported(null);
    const what = picked.length === 1 ? picked[0].name : (picked[0].webkitRelativePath.split("/")[0] || "folder");
    await run(`importing ${what}`, async () => {
      const { lab, warnings } = await api.importKathara(picked.length === 1 && !picked[0].webkitRelativePath ? picked[0] : picked);
      if (!warnings.length) return router.push(`/labs/${lab.id}`);
      setImported({ id: lab.id, name: lab.name, warnings });
    });
    for (const input of [katharaFolder.current, katharaArchive.current]) if (input) input.value = "";
  };

  return (
    <main className="labs-page">
      <header className="labs-header">
        <div className="labs-title">
          <h1>umlab</h1>
          <Link href="/classes" className="button">
            Classes
          </Link>
          <AccountMenu />
        </div>
        <p>Virtual network labs on User Mode Linux: a real Linux kernel per node, real switches, a terminal per node.</p>
        <KernelStatus />
        <div className="actions">
          <button type="button" className="primary" onClick={() => setDialog({ kind: "create" })}>
            New lab
          </button>
          <button type="button" onClick={() => file.current?.click()} title="A lab.yaml, or a whole lab with its disks (.umlab, from Export with disks)">
            Import lab.yaml or .umlab
          </button>
          <input ref={file} type="file" accept=".yaml,.yml,.umlab,application/yaml,text/yaml" hidden data-testid="import-file" onChange={(e) => onImport(e.target.files?.[0])} />
          <span className="actions" role="group" aria-label="Import Kathará lab">
            <button type="button" onClick={() => katharaFolder.current?.click()} title="A Kathará or Netkit lab folder: lab.conf, startups, node folders">
              Import Kathará folder
            </button>
            <button type="button" onClick={() => katharaArchive.current?.click()} title="A Kathará lab folder as .zip or .tar.gz">
              Import Kathará archive
            </button>
          </span>
          <input
            ref={katharaFolder}
            type="file"
            hidden
            multiple
            {...{ webkitdirectory: "" }}
            data-testid="import-kathara-folder"
            onChange={(e) => onImportKathara([...(e.target.files ?? [])])}
          />
          <input
            ref={katharaArchive}
            type="file"
            accept=".zip,.tar.gz,.tgz,.tar,application/zip,application/gzip"
            hidden
            data-testid="import-kathara-archive"
            onChange={(e) => onImportKathara([...(e.target.files ?? [])])}
          />
          {busy && <span className="busy">{busy}…</span>}
        </div>
      </header>
      {error && (
        <pre className="banner error" role="alert">
          {error}
        </pre>
      )}
      {imported && (
        <div className="banner notice" role="status" data-testid="import-warnings">
          <strong>
            Imported <Link href={`/labs/${imported.id}`}>{imported.name}</Link>, with {imported.warnings.length} {imported.warnings.length === 1 ? "warning" : "warnings"}:
          </strong>{" "}
          <button type="button" onClick={() => setImported(null)}>
            Dismiss
          </button>
          <ul>
            {imported.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </div>
      )}
      <table className="labs" data-testid="labs">
        <thead>
          <tr>
            <th>Lab</th>
            <th>Nodes</th>
            <th>Switches</th>
            <th>State</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {labs.map((l) => (
            <tr key={l.id} data-lab={l.name}>
              <td>
                <Link href={`/labs/${l.id}`} className="lab-link">
                  {l.name}
                </Link>
                <br />
                <small>{l.description}</small>
              </td>
              <td>{l.nodes}</td>
              <td>{l.switches}</td>
              <td>
                <span className={`badge ${l.running ? "running" : "stopped"}`} data-testid="state">
                  {l.running ? "running" : "stopped"}
                </span>
              </td>
              <td className="row-actions">
                {l.running ? (
                  <button type="button" disabled={!!busy} onClick={() => run(`stopping ${l.name}`, () => api.stop(l.id))}>
                    Stop
                  </button>
                ) : (
                  <button type="button" disabled={!!busy} onClick={() => run(`starting ${l.name}`, () => api.start(l.id))}>
                    Start
                  </button>
                )}
                <a href={api.exportUrl(l.id)} download={`${l.name}.yaml`}>
                  Export
                </a>
                <a href={api.exportKatharaUrl(l.id)} download={`${l.name}.tar.gz`} title="The lab as a Kathará lab folder (.tar.gz)">
                  Export Kathará
                </a>
                <button type="button" onClick={() => setDialog({ kind: "duplicate", lab: l })}>
                  Duplicate
                </button>
                <button type="button" className="danger" disabled={l.running} title={l.running ? "Stop the lab first" : ""} onClick={() => setDialog({ kind: "delete", lab: l })}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
          {labs.length === 0 && (
            <tr>
              <td colSpan={5}>No labs yet: create one or import a lab.yaml.</td>
            </tr>
          )}
        </tbody>
      </table>
      {dialog?.kind === "create" && (
        <NameDialog
          title="New lab"
          action="Create"
          initial=""
          onCancel={() => setDialog(null)}
          onSubmit={(name) =>
            run(`creating ${name}`, async () => {
              const d = await api.create({ name });
              setDialog(null);
              router.push(`/labs/${d.id}`);
            })
          }
        />
      )}
      {dialog?.kind === "duplicate" && (
        <NameDialog
          title={`Duplicate ${dialog.lab.name}`}
          action="Duplicate"
          initial={`${dialog.lab.name}-copy`.slice(0, 31)}
          onCancel={() => setDialog(null)}
          onSubmit={(name) =>
            run(`duplicating ${dialog.lab.name}`, async () => {
              await api.duplicate(dialog.lab.id, name);
              setDialog(null);
            })
          }
        />
      )}
      {dialog?.kind === "delete" && (
        <div className="modal" role="dialog" aria-label={`Delete ${dialog.lab.name}`}>
          <div className="modal-box">
            <h2>Delete {dialog.lab.name}?</h2>
            <p>Its definition and every node&apos;s disk are deleted. This cannot be undone: export it first to keep a copy.</p>
            <div className="actions">
              <button type="button" onClick={() => setDialog(null)}>
                Cancel
              </button>
              <button
                type="button"
                className="danger"
                onClick={() =>
                  run(`deleting ${dialog.lab.name}`, async () => {
                    await api.remove(dialog.lab.id);
                    setDialog(null);
                  })
                }
              >
                Delete
              </button>
            </div>
          </div>
        </div>
      )}
      <ImageList />
    </main>
  );
}

function NameDialog({ title, action, initial, onCancel, onSubmit }: { title: string; action: string; initial: string; onCancel: () => void; onSubmit: (name: string) => void }) {
  const [name, setName] = useState(initial);
  const valid = /^[a-z][a-z0-9-]{0,30}$/.test(name);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (valid) onSubmit(name);
  };
  return (
    <div className="modal" role="dialog" aria-label={title}>
      <form className="modal-box" onSubmit={submit}>
        <h2>{title}</h2>
        <label>
          Name
          <input aria-label="Lab name" autoFocus value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        {!valid && name && <small className="error">A lowercase letter first, then up to 30 lowercase letters, digits or dashes.</small>}
        <div className="actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={!valid}>
            {action}
          </button>
        </div>
      </form>
    </div>
  );
}
