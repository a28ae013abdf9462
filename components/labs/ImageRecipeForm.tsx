"use client";
import { useState, type FormEvent } from "react";
import { DEFAULT_RECIPE_MIB, DEFAULT_RECIPE_SUITE, IMAGE_SUITES } from "@/server/model/image-recipe";
import { api } from "../client/api";

/**
 * Add an image recipe: a name, Debian packages over the host image's tools,
 * a suite and the memory its nodes want. Its build starts at once and shows
 * in the list above; nodes boot it with `image: NAME`. Files come with the
 * CLI or the API (`umlab image add NAME --file GUESTPATH=FILE`).
 */
export function ImageRecipeForm() {
  const [name, setName] = useState("");
  const [packages, setPackages] = useState("");
  const [suite, setSuite] = useState<string>(DEFAULT_RECIPE_SUITE);
  const [memory, setMemory] = useState(String(DEFAULT_RECIPE_MIB));
  const [added, setAdded] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setAdded(null);
    try {
      const list = packages.split(/[\s,]+/).filter(Boolean);
      await api.addImage({ name, packages: list, suite: suite as (typeof IMAGE_SUITES)[number], memoryMiB: Number(memory) });
      setAdded(name);
      setName("");
      setPackages("");
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
        <button type="submit">Add and build</button>
        {added && (
          <span role="status">
            {added} is being built: nodes boot it with <code>image: {added}</code> once it is ready.
          </span>
        )}
      </form>
      <small>The packages are installed over the host image&apos;s network tools.</small>
      {error && (
        <pre className="error build-error" role="alert">
          {error}
        </pre>
      )}
    </details>
  );
}
