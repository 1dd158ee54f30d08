// The Kubernetes docs dialect (Hugo pages of kubernetes/website): shortcodes, example files, output
// blocks fenced as shell, container prompts, placeholders.
export { isDocsPage, readDocsFrontMatter, type DocsFrontMatter } from './frontmatter.js'
export { findExamplesDir } from './examples.js'
export { docsMarkdown, docsMarkdownDoc } from './markdown.js'
export { readDocsPage, type DocsCommand, type DocsFile, type DocsItem, type DocsOptions, type DocsPage } from './read.js'
export type { ContainerShell, Placeholder } from './lines.js'
