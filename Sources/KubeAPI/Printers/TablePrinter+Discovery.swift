import FoundationEssentials

extension KindPrinter {
    /// `kubectl get endpointslices`: Name, AddressType, Ports, Endpoints, Age (upstream `printEndpointSlice`).
    static let endpointSlice = KindPrinter(
        columns: [
            .name,
            PrinterColumn(name: "AddressType", type: "string", description: "The type of address carried by this EndpointSlice: IPv4, IPv6 or FQDN."),
            PrinterColumn(name: "Ports", type: "string", description: "The network ports exposed by each endpoint in this slice."),
            PrinterColumn(name: "Endpoints", type: "string", description: "The addresses of the endpoints in this slice."),
            .age,
        ],
        cells: { slice, now in
            [PrinterCell.name(slice), .string(PrinterCell.string(slice["addressType"])),
             .string(discoveryPorts(slice["ports"])), .string(discoveryEndpoints(slice["endpoints"])),
             PrinterCell.age(slice, now)]
        })

    /// Port numbers (a name, or `*`, when the port is unset), at most three, as upstream lists them.
    static func discoveryPorts(_ ports: JSON) -> String {
        let all = PrinterCell.array(ports).map { port -> String in
            if let number = port["port"].intValue { return String(number) }
            return port["name"].stringValue ?? "*"
        }
        return listWithMore(all)
    }

    /// Every endpoint's addresses, at most three shown.
    static func discoveryEndpoints(_ endpoints: JSON) -> String {
        listWithMore(PrinterCell.array(endpoints).flatMap { PrinterCell.array($0["addresses"]).map(PrinterCell.string) })
    }

    /// `a,b,c + 2 more...`, or `<unset>` for none.
    static func listWithMore(_ items: [String], max: Int = 3) -> String {
        if items.count > max { return items.prefix(max).joined(separator: ",") + " + \(items.count - max) more..." }
        return items.isEmpty ? "<unset>" : items.joined(separator: ",")
    }
}
