import type { Readability } from '@mozilla/readability';
import type { parseHTML } from 'linkedom';
import type TurndownService from 'turndown';
import { loadDom } from './load-dom.js';

export type ReadableText = { title: string; text: string; extractor: 'readability' | 'html' };

type Readers = { parseHTML: typeof parseHTML; Readability: typeof Readability; turndown: TurndownService };
/** Loaded with the first page fetched (web_fetch), not at start (idle RSS). */
let readers: Promise<Readers> | undefined;
const loadReaders = (): Promise<Readers> =>
  (readers ??= Promise.all([loadDom(), import('@mozilla/readability'), import('turndown')]).then(([dom, readability, turndownModule]) => {
    const Turndown = (turndownModule as unknown as { default: typeof TurndownService }).default;
    const turndown = new Turndown({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-' });
    turndown.remove(['script', 'style', 'noscript', 'iframe', 'form']);
    return { parseHTML: dom.parseHTML, Readability: readability.Readability, turndown };
  }));

/** Readability's idea of a document (the DOM's), which linkedom's implements. */
type ReadableDocument = ConstructorParameters<typeof Readability>[0];
type PageDocument = ReturnType<typeof parseHTML>['document'];

const collapse = (text: string) => text.replace(/[ \t]+/g, ' ').replace(/\n{3,}/g, '\n\n').trim();

/** Links and images of the page made absolute, so the markdown's links still lead somewhere. */
function absolutize(document: PageDocument, baseUrl: string): void {
  for (const [selector, attribute] of [['a[href]', 'href'], ['img[src]', 'src']] as const) {
    for (const element of document.querySelectorAll(selector)) {
      const value = element.getAttribute(attribute);
      if (value === null) continue;
      try {
        element.setAttribute(attribute, new URL(value, baseUrl).href);
      } catch {
        // Not a URL (`javascript:`, a broken href): left as the page has it.
      }
    }
  }
}

/**
 * An HTML page as readable markdown (or plain text): Mozilla's Readability picks the main
 * content (the article, not the menus), turndown converts it. A page Readability finds no
 * article in is converted whole.
 */
export async function toReadableText(html: string, options: { url: string; mode: 'markdown' | 'text' }): Promise<ReadableText> {
  const { parseHTML, Readability, turndown } = await loadReaders();
  const { document } = parseHTML(html);
  absolutize(document, options.url);
  const article = new Readability(document as unknown as ReadableDocument).parse();
  const title = article?.title ?? document.title ?? '';
  let body: string;
  if (article?.content !== undefined && article.content !== null && article.content !== '') {
    body = options.mode === 'markdown' ? turndown.turndown(article.content) : (article.textContent ?? '');
  } else {
    // Readability changed the document while it looked: the page is read again, whole.
    const fresh = parseHTML(html).document;
    body = options.mode === 'markdown' ? turndown.turndown(fresh.body?.innerHTML ?? html) : (fresh.body?.textContent ?? '');
  }
  const text = collapse(body);
  return { title, text: title !== '' ? `# ${title}\n\n${text}` : text, extractor: article === null ? 'html' : 'readability' };
}
