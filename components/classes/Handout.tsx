"use client";
import Markdown from "react-markdown";

/** An assignment's handout: Markdown, without raw HTML (react-markdown renders none), links opening elsewhere. */
export function Handout({ text }: { text: string }) {
  return (
    <div className="handout" data-testid="handout">
      <Markdown components={{ a: ({ href, children }) => <a href={href} target="_blank" rel="noreferrer noopener">{children}</a> }}>{text}</Markdown>
    </div>
  );
}
