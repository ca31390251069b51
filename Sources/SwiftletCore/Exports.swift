// The version lives in a dependency-free module so the Foundation-free supervisor can report it too.
@_exported import SwiftletInfo
