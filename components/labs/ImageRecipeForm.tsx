"use client";
import { useState, type FormEvent } from "react";
import { DEFAULT_RECIPE_MIB, DEFAULT_RECIPE_SUITE, IMAGE_SUITES } from "@/server/model/image-recipe";
import { api } from "../client/api";

/**
 * Add an image recipe: a name, Debian packages over the host image's tools,
 * a suite, the memory its nodes want, and text files put into the guest
 * (each at the path given). Its build starts at once and shows in the list
 * above; nodes boot it with `image: NAME`.
 */
export function ImageRecipeForm() {
  const [name, setName] = useState("");
  const [packages, setPackages] = useState("");
  const [suite, setSuite] = useState<string>(DEFAULT_RECIPE_SUITE);
  const [memory, setMemory] = useState(String(DEFAULT_RECIPE_MIB));
  const [files, setFiles] = useState<{ path: string; file: File | null }[]>([]);
  const [added, setAdded] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setAdded(null);
    try {
      const list = packages.split(/[\s,]+/).filter(Boolean);
      const given = files.filter((f) => f.path.trim() || f.file);
      const missing = given.find((f) => !f.path.trim() || !f.file);
      if (missing) throw new Error(`each file needs its path in the guest and a file to upload (${missing.path.trim() || missing.file?.name})`);
      const texts = Object.fromEntries(await Promise.all(given.map(async (f) => [f.path.trim(), await f.file!.text()] as const)));
      await api.addImage({ name, packages: list, suite: suite as (typeof IMAGE_SUITES)[number], memoryMiB: Number(memory), ...(given.length ? { files: texts } : {}) });
      setAdded(name);
      setName("");
      setPackages("");
      setFiles([]);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <details className="image-recipe" data-testid="image-recipe">
      <summary>Add an image</summary>
      <form onSubmit={submit}>
        <label>
          Name
          <input value={name} placeholder="e.g. web" pattern="[a-z][a-z0-9-]{0,30}" title="lower-case letters, digits and -, starting with a letter" onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          Packages
          <input value={packages} placeholder="e.g. apache2, jq" size={36} onChange={(e) => setPackages(e.target.value)} required />
        </label>
        <label>
          Debian
          <select value={suite} onChange={(e) => setSuite(e.target.value)}>
            {IMAGE_SUITES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Memory (MiB)
          <input type="number" min={16} step={16} value={memory} onChange={(e) => setMemory(e.target.value)} required />
        </label>
        <fieldset className="recipe-files">
          <legend>Files</legend>
          {files.map((f, i) => (
            <div key={i} className="recipe-file">
              <input
                aria-label={`Guest path of file ${i + 1}`}
                placeholder="/etc/motd"
                value={f.path}
                onChange={(e) => setFiles(files.map((x, j) => (j === i ? { ...x, path: e.target.value } : x)))}
              />
              <input aria-label={`File ${i + 1}`} type="file" onChange={(e) => setFiles(files.map((x, j) => (j === i ? { ...x, file: e.target.files?.[0] ?? null } : x)))} />
              <button type="button" className="link" onClick={() => setFiles(files.filter((_, j) => j !== i))}>
                remove
              </button>
            </div>
          ))}
          <button type="button" onClick={() => setFiles([...files, { path: "", file: null }])}>
            Add a file
          </button>
        </fieldset>
        <button type="submit">Add and build</button>
        {added && (
          <span role="status">
            {added} is being built: nodes boot it with <code>image: {added}</code> once it is ready.
          </span>
        )}
      </form>
      <small>The packages are installed over the host image&apos;s network tools; each file (text, up to 64 KiB) is put at its path in the guest.</small>
      {error && (
        <pre className="error build-error" role="alert">
          {error}
        </pre>
      )}
    </details>
  );
}
