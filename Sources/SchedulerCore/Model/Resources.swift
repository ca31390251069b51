import KubeAPI

/// The resource amounts the scheduler accounts for, in the units upstream's `framework.Resource`
/// uses: CPU in millicores, memory and ephemeral storage in bytes, pods as a count.
public struct ResourceAmounts: Sendable, Hashable {
    public var milliCPU: Int64
    public var memory: Int64
    public var ephemeralStorage: Int64
    public var pods: Int64

    public init(milliCPU: Int64 = 0, memory: Int64 = 0, ephemeralStorage: Int64 = 0, pods: Int64 = 0) {
        self.milliCPU = milliCPU
        self.memory = memory
        self.ephemeralStorage = ephemeralStorage
        self.pods = pods
    }

    public static let zero = ResourceAmounts()

    public var isZero: Bool { milliCPU == 0 && memory == 0 && ephemeralStorage == 0 }

    /// Reads a `ResourceList` object (`{"cpu": "500m", "memory": "1Gi"}`).
    ///
    /// Unparsable or negative quantities count as zero: the API server's validation rejects them,
    /// so they only reach us from a broken object, and upstream's `Quantity` would also read them as 0.
    public init(resourceList json: JSON) {
        self.init()
        guard case .object(let list) = json else { return }
        for (name, value) in list {
            guard let quantity = try? Quantity(json: value), !quantity.isNegative else { continue }
            switch name {
            case "cpu": milliCPU = Self.clamp(Self.ceilDiv(quantity.nanos, 1_000_000))
            case "memory": memory = Self.clamp(Self.ceilDiv(quantity.nanos, 1_000_000_000))
            case "ephemeral-storage": ephemeralStorage = Self.clamp(Self.ceilDiv(quantity.nanos, 1_000_000_000))
            case "pods": pods = Self.clamp(Self.ceilDiv(quantity.nanos, 1_000_000_000))
            default: continue  // extended resources are not scheduled on yet
            }
        }
    }

    /// Upstream `MilliValue()`/`Value()` round up to the unit.
    private static func ceilDiv(_ nanos: Int128, _ unit: Int128) -> Int128 {
        let (q, r) = nanos.quotientAndRemainder(dividingBy: unit)
        return r > 0 ? q + 1 : q
    }

    private static func clamp(_ value: Int128) -> Int64 {
        value > Int128(Int64.max) ? Int64.max : Int64(value)
    }

    public static func + (a: ResourceAmounts, b: ResourceAmounts) -> ResourceAmounts {
        ResourceAmounts(milliCPU: a.milliCPU &+ b.milliCPU, memory: a.memory &+ b.memory,
                        ephemeralStorage: a.ephemeralStorage &+ b.ephemeralStorage, pods: a.pods &+ b.pods)
    }

    public static func - (a: ResourceAmounts, b: ResourceAmounts) -> ResourceAmounts {
        ResourceAmounts(milliCPU: a.milliCPU &- b.milliCPU, memory: a.memory &- b.memory,
                        ephemeralStorage: a.ephemeralStorage &- b.ephemeralStorage, pods: a.pods &- b.pods)
    }

    /// The element-wise maximum (init containers run one at a time, so the pod needs the largest).
    public func maximum(_ other: ResourceAmounts) -> ResourceAmounts {
        ResourceAmounts(milliCPU: max(milliCPU, other.milliCPU), memory: max(memory, other.memory),
                        ephemeralStorage: max(ephemeralStorage, other.ephemeralStorage), pods: max(pods, other.pods))
    }
}

extension ResourceAmounts {
    /// What upstream's scorers assume a container without requests uses (`schedutil.DefaultMilliCPURequest`
    /// and `DefaultMemoryRequest`), so best-effort pods still spread.
    static let defaultMilliCPU: Int64 = 100
    static let defaultMemory: Int64 = 200 * 1024 * 1024

    /// A pod's requests as `resource.PodRequests` computes them: the sum of the app containers
    /// (restartable init containers, i.e. sidecars, included), at least each ordinary init container,
    /// plus `spec.overhead`.
    ///
    /// - Parameter nonZero: substitute the scorers' defaults for containers that request no cpu or memory.
    static func podRequests(_ spec: JSON, nonZero: Bool) -> ResourceAmounts {
        func requests(of container: JSON) -> ResourceAmounts {
            var amounts = ResourceAmounts(resourceList: container[path: ["resources", "requests"]])
            if nonZero {
                if amounts.milliCPU == 0 { amounts.milliCPU = defaultMilliCPU }
                if amounts.memory == 0 { amounts.memory = defaultMemory }
            }
            return amounts
        }
        var sum = ResourceAmounts.zero
        for container in spec["containers"].arrayValue ?? [] { sum = sum + requests(of: container) }
        // Sidecars keep running, so they add to every later init container and to the app containers.
        var sidecars = ResourceAmounts.zero
        var initMax = ResourceAmounts.zero
        for container in spec["initContainers"].arrayValue ?? [] {
            let amounts = requests(of: container)
            if container["restartPolicy"].stringValue == "Always" {
                sidecars = sidecars + amounts
                initMax = initMax.maximum(sidecars)
            } else {
                initMax = initMax.maximum(sidecars + amounts)
            }
        }
        var total = (sum + sidecars).maximum(initMax)
        total = total + ResourceAmounts(resourceList: spec["overhead"])
        total.pods = 0
        return total
    }
}
