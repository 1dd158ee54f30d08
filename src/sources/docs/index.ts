// The Kubernetes docs dialect (Hugo pages of kubernetes/website): shortcodes, example files, output
// blocks fenced as shell, container prompts, placeholders.
export { isDocsPage } from './frontmatter.js'
export { readDocsPage, type DocsCommand, type DocsPage } from './read.js'
