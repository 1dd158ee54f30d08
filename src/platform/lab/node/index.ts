// The lab's node: what labUp, labDown, labStatus and the CLI use of it.
export { buildNode, findNode, type BuildNodeOptions } from './build.js'
export { generateNodeCerts } from './certs.js'
export { LEAVING_COUNTER } from './firewall.js'
export { prepareNodeHost, undoStaleNode, type NodeHost } from './host-setup.js'
export { importImageIntoLab, listLabImages, nodeStatus, startNode, stopNode, type NodeStatus } from './node.js'
export { NODE_IMAGES, type NodeBinaries } from './parts.js'
