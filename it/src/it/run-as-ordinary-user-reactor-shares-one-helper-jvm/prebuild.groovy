// Each module's target/ exists before the build, as it would after any earlier phase: nsbox never
// creates mount points on the host, so the writable bind of target/ needs it.
['lib', 'app'].each { new File(basedir, it + '/target').mkdirs() }
return true
