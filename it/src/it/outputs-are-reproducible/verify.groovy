import java.nio.file.Files
import java.nio.file.LinkOption

def log = new File(basedir, 'build.log').text
assert log.count('[INFO] BUILD SUCCESS') == 2

def one = new File(basedir, 'out1').toPath()
def two = new File(basedir, 'out2').toPath()
def files = { root ->
    def list = []
    Files.walk(root).withCloseable { s -> s.forEach { p -> list << root.relativize(p).toString() } }
    list.sort()
}
def names = files(one)
assert names == files(two)
for (n in ['plan.txt', 'nsbox/explain.dot', 'nsbox/explain.svg', 'nsbox-oci/config.json', 'nsbox-kube/job.json',
           'nsbox/run-report.json']) {
    assert names.contains(n) : "${n} was not written: ${names}"
}
def stamp = java.time.Instant.parse('2024-01-02T03:04:05Z').toEpochMilli()
for (n in names) {
    def a = one.resolve(n)
    def b = two.resolve(n)
    if (Files.isRegularFile(a, LinkOption.NOFOLLOW_LINKS)) {
        def x = new String(Files.readAllBytes(a), 'UTF-8')
        def y = new String(Files.readAllBytes(b), 'UTF-8')
        if (n == 'nsbox/run-report.json') {
            // A measurement, not a timestamp: the one value that differs between two runs.
            x = x.replaceAll(/"durationMs":\s*\d+/, '"durationMs":0')
            y = y.replaceAll(/"durationMs":\s*\d+/, '"durationMs":0')
        }
        assert x == y : "${n} differs between two builds"
        assert !x.contains(new File(basedir, 'out1').path) : "${n} names its build directory"
    }
    if (n != '' && !Files.isSymbolicLink(a)) {
        assert Files.getLastModifiedTime(a, LinkOption.NOFOLLOW_LINKS).toMillis() == stamp :
                "${n} is not stamped with project.build.outputTimestamp"
    }
}
