// A listener on the host's loopback, in the invoker's own JVM: outside any sandbox, and alive for
// the whole build of this project. It answers each connection with one line and counts them.
def server = new ServerSocket(0, 10, InetAddress.getByName('127.0.0.1'))
def accepted = new java.util.concurrent.atomic.AtomicInteger()
Thread.startDaemon('nsbox-it-listener') {
    try {
        while (true) {
            server.accept().withCloseable { s ->
                accepted.incrementAndGet()
                s.outputStream << 'hello from the host\n'
            }
        }
    } catch (SocketException closed) {
        // verify.groovy closed it
    }
}
new File(basedir, 'listener.port').text = String.valueOf(server.localPort)
System.properties.put('nsbox.it.listener', server)
System.properties.put('nsbox.it.accepted', accepted)
return true
