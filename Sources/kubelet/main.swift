// swiftlet-kubelet: the command lives in KubeletEntry, shared with the multi-call binary.
import KubeletEntry

await KubeletCommand.main()
