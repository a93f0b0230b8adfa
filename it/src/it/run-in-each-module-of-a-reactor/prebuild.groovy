// Each module's target/ exists before the build, as it would after any earlier phase.
['lib', 'app'].each { new File(basedir, it + '/target').mkdirs() }
return true
