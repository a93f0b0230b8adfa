// A listener on the host's loopback, in the invoker's own JVM: outside any sandbox, and alive for
// the whole build of this project. The tests try to reach it; it counts what arrives.
def server = new ServerSocket(0, 10, InetAddress.getByName('127.0.0.1'))
def accepted = new java.util.concurrent.atomic.AtomicInteger()
Thread.startDaemon('nsbox-it-prepare-listener') {
    try {
        while (true) {
            server.accept().withCloseable { s -> accepted.incrementAndGet() }
        }
    } catch (SocketException closed) {
        // verify.groovy closed it
    }
}
new File(basedir, 'listener.port').text = String.valueOf(server.localPort)
System.properties.put('nsbox.it.prepare.listener', server)
System.properties.put('nsbox.it.prepare.accepted', accepted)
return true
