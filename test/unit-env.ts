// Setup file of the unit project: hermetic, whatever the developer's shell exports. A KUBECONFIG of theirs would send
// the guard's own reads (an HTTPS client in this process) to their cluster instead of the test's kubectl stand-in.
delete process.env.KUBECONFIG
delete process.env.KUBECACHEDIR
delete process.env.KUBERC
