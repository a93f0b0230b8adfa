def slurp = { String path -> new groovy.json.JsonSlurper().parse(new File(basedir, path)) }
def config = slurp('target/nsbox-oci/config.json')
assert config.ociVersion == '1.0.2'
assert config.hostname == 'exported'
assert config.root == [path: 'rootfs', readonly: true]
assert config.process.args == ['echo', 'oci-writes-bundle']
// The spec's cleared environment, and the marker every nsbox step gets (a nested nsbox:run skips).
assert config.process.env == ['NSBOX_SANDBOX=1', 'PATH=/usr/bin:/bin']
assert config.process.noNewPrivileges
assert config.process.capabilities.bounding == []
// The host's tree read-only, and nosuid/nodev as nsbox's secure defaults make it.
assert config.mounts.any { it.destination == '/usr' && it.options == ['rbind', 'rro', 'rnosuid', 'rnodev'] }
assert config.mounts.any { it.destination == '/tmp' && it.type == 'tmpfs' && it.options == ['nosuid', 'nodev', 'size=67108864'] }
// The runtime's own /dev, not the host's, and a guarded /proc.
assert config.mounts.any { it.destination == '/dev' && it.type == 'tmpfs' }
assert !config.mounts.any { it.destination == '/dev' && it.type == 'bind' }
assert config.linux.maskedPaths.contains('/proc/kcore')
assert config.linux.readonlyPaths.contains('/proc/sys')
assert config.linux.namespaces*.type as Set == ['mount', 'pid', 'network', 'uts', 'ipc'] as Set
assert config.linux.seccomp.defaultAction == 'SCMP_ACT_ERRNO'
assert new File(basedir, 'target/nsbox-oci/rootfs/usr').isDirectory()

def list = slurp('target/nsbox-kube/job.json')
assert list.items*.kind == ['Job', 'NetworkPolicy']
def container = list.items[0].spec.template.spec.containers[0]
assert container.image == 'debian:12'
assert container.securityContext.readOnlyRootFilesystem
assert container.securityContext.capabilities.drop == ['ALL']
assert list.items[1].spec.policyTypes == ['Ingress', 'Egress']
