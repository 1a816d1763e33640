import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown.tsx';

describe('runbook markdown', () => {
  it('renders headings, lists and code, and escapes raw HTML', () => {
    const html = renderMarkdown('## Steps\n\n1. Check `kubectl get pods`\n2. <script>alert(1)</script>\n');
    expect(html).toContain('<h2>Steps</h2>');
    expect(html).toContain('<code>kubectl get pods</code>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
  });

  it('opens web links in a new tab and refuses javascript: links', () => {
    const html = renderMarkdown('[dash](https://grafana.example/d/1) and [bad](javascript:alert(1)) and [x](data:text/html,hi)');
    expect(html).toContain('<a href="https://grafana.example/d/1" target="_blank" rel="noopener noreferrer">dash</a>');
    expect(html).not.toMatch(/href="(javascript|data):/);
  });
});
