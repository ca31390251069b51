// The JSON value type lives in its own small module so Foundation-free executables (the
// supervisor) can use it; everything that imports KubeAPI sees it as before.
@_exported import SwiftletJSON
