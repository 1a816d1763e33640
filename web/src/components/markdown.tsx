/**
 * Markdown as the rest of the app looks (runbooks): markdown-it with raw HTML off, so a runbook can't
 * inject markup; links are limited to http(s), mailto and in-page anchors and open in a new tab.
 */
import MarkdownIt from 'markdown-it';
import { useMemo } from 'react';
import './catalog.css';

const md = new MarkdownIt({ html: false, linkify: true, typographer: true, breaks: false });

const SAFE_LINK = /^(https?:|mailto:|#|\/(?!\/))/i;
md.validateLink = (url: string) => SAFE_LINK.test(url.trim());

const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  if (/^https?:/i.test(String(token.attrGet('href') ?? ''))) {
    token.attrSet('target', '_blank');
    token.attrSet('rel', 'noopener noreferrer');
  }
  return defaultLinkOpen(tokens, idx, options, env, self);
};

export const renderMarkdown = (source: string): string => md.render(source);

export function Markdown({ source, className = '' }: { source: string; className?: string }) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  // markdown-it escapes every HTML tag in the source (html: false) and drops unsafe link schemes.
  return <div className={`apollo-markdown ${className}`} dangerouslySetInnerHTML={{ __html: html }} />;
}
