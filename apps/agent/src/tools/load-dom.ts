/**
 * linkedom (a DOM with its HTML and CSS parsers: about 20 MB of code and heap) is imported on
 * the first page or search result that needs it, not at start: most agents' idle memory never
 * carries it (docs/benchmarks.md, idle RSS).
 */
let dom: Promise<typeof import('linkedom')> | undefined;
export const loadDom = (): Promise<typeof import('linkedom')> => (dom ??= import('linkedom'));
