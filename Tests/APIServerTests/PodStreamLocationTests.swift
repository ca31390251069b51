@testable import APIServer
import KubeAPI
import Testing

/// The kubelet URL of exec, attach and port-forward, and upstream's refusals.
struct PodStreamLocationTests {
    static func pod(containers: [String] = ["main"], inits: [String] = [], node: String? = "n1", phase: String = "Running") -> JSON {
        var spec: JSON = ["containers": .array(containers.map { ["name": .string($0)] })]
        if !inits.isEmpty { spec["initContainers"] = .array(inits.map { ["name": .string($0)] }) }
        if let node { spec["nodeName"] = .string(node) }
        return ["metadata": ["name": "web", "namespace": "ns"], "spec": spec, "status": ["phase": .string(phase)]]
    }

    @Test func execURLCarriesCommandAndStreams() throws {
        let location = try PodStreamLocation(pod: Self.pod(), subresource: "exec", query: [
            ("command", "sh"), ("command", "-c"), ("command", "echo a&b"), ("stdin", "true"), ("stdout", "true"),
            ("stderr", "1"), ("tty", "false"),
        ])
        #expect(location.nodeName == "n1")
        #expect(location.kubeletURI == "/exec/ns/web/main?command=sh&command=-c&command=echo%20a%26b&input=1&output=1&error=1")
    }

    @Test func attachAndPortForwardURLs() throws {
        let attach = try PodStreamLocation(pod: Self.pod(containers: ["a", "b"]), subresource: "attach",
                                           query: [("container", "b"), ("stdout", "true"), ("tty", "true")])
        #expect(attach.kubeletURI == "/attach/ns/web/b?output=1&tty=1")
        let forward = try PodStreamLocation(pod: Self.pod(), subresource: "portforward", query: [("ports", "80,8080")])
        #expect(forward.kubeletURI == "/portForward/ns/web?port=80&port=8080")
        #expect(try PodStreamLocation(pod: Self.pod(), subresource: "portforward", query: []).kubeletURI == "/portForward/ns/web")
    }

    @Test(arguments: [
        (pod(), "exec", [("container", "nope"), ("stdout", "true"), ("command", "ls")], "container nope is not valid for pod web"),
        (pod(containers: ["a", "b"], inits: ["i"]), "exec", [("stdout", "true"), ("command", "ls")],
         "a container name must be specified for pod web, choose one of: [a b] or one of the init containers: [i]"),
        (pod(), "exec", [("command", "ls")], "you must specify at least 1 of stdin, stdout, stderr"),
        (pod(), "exec", [("stdout", "true")], "you must specify at least one command for the container"),
        (pod(node: nil), "exec", [("stdout", "true"), ("command", "ls")], "pod web does not have a host assigned"),
        (pod(phase: "Succeeded"), "attach", [("stdout", "true")],
         "cannot attach into a container in a completed pod; current phase is Succeeded"),
        (pod(), "portforward", [("ports", "0")], "invalid port \"0\": must be between 1 and 65535"),
        (pod(), "portforward", [("ports", "http")], "invalid port \"http\": must be between 1 and 65535"),
    ] as [(JSON, String, [(String, String)], String)])
    func refusals(pod: JSON, subresource: String, query: [(String, String)], message: String) {
        #expect {
            _ = try PodStreamLocation(pod: pod, subresource: subresource, query: query.map { (name: $0.0, value: $0.1) })
        } throws: { error in
            (error as? StatusError)?.code == 400 && (error as? StatusError)?.message == message
        }
    }

    @Test func initContainersCanBeNamed() throws {
        let location = try PodStreamLocation(pod: Self.pod(inits: ["setup"]), subresource: "exec",
                                             query: [("container", "setup"), ("stdout", "1"), ("command", "ls")])
        #expect(location.kubeletURI.hasPrefix("/exec/ns/web/setup?"))
    }
}
