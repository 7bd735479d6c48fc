// libFuzzer entry point for the EventStoreWire decoding stack.
//
// Built by scripts/fuzz.sh with `swift build --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address`:
// SwiftPM then compiles this target with -parse-as-library and libFuzzer's runtime supplies main().
// In a plain `swift build` it links as a do-nothing executable (exit 0).
// No top-level code and no @main here: either would break the fuzz build or replace libFuzzer's main.
//
// What one input goes through:
//  1. framing, two ways, which must agree (the same packages, or the same error):
//     - `TCPFrameReader.decodeAll` on all bytes;
//     - a `NIOSingleStepByteToMessageProcessor<TCPFrameDecoder>` fed two chunks, split at a
//       position derived from the first byte, then EOF;
//  2. every accepted package re-encodes (`encodedFrame()`), the bytes are exactly the bytes it was
//     decoded from, and they decode back to an equal package;
//  3. every package's payload is decoded (`decodePayload()`, and `decodeMessage(as:)` must agree);
//     text/opaque payloads keep their bytes; messages survive a protobuf round trip and their
//     SwiftProtobuf JSON is accepted by `JSONValue(parsing:)`;
//  4. `WireInspector.inspect(bytes:)` must agree with 1 and 3 (same frames, or the failure at the
//     right index); every frame is rendered as text and JSON, and the JSON text must re-parse to the
//     same text.
// Oracle failures end in `preconditionFailure`, so they are crashes libFuzzer reports and saves;
// the message is printed to stderr first, because -O builds drop precondition messages.
import EventStoreWire
import NIOCore
import SwiftProtobuf

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `WIRE_FUZZ_VERBOSE=1` prints what the inspector made of each input (for looking at seeds and
/// crashers: `WIRE_FUZZ_VERBOSE=1 .build-fuzz/release/WireFuzzer Fuzz/Corpus/*.bin`).
let verbose: Bool = getenv("WIRE_FUZZ_VERBOSE") != nil

/// `precondition` that also prints its message (a -O build traps without it).
@inline(__always)
func oracle(_ condition: Bool, _ message: @autoclosure () -> String,
            file: StaticString = #fileID, line: UInt = #line) {
    if !condition { oracleFailure(message(), file: file, line: line) }
}

@inline(never)
func oracleFailure(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    var text = "WireFuzzer oracle failure at \(file):\(line): \(message)\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    preconditionFailure(message, file: file, line: line)
}

/// What framing made of an input: the packages decoded, then the error that stopped it, if any.
struct FramingOutcome: Equatable {
    var packages: [TCPPackage] = []
    var error: TCPFramingError?
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWireInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    checkInput(bytes)
    return 0
}

@inline(never)
func checkInput(_ bytes: [UInt8]) {
    let whole = ByteBuffer(bytes: bytes)

    // 1. Framing, two ways.
    let reader: FramingOutcome
    do {
        reader = FramingOutcome(packages: try TCPFrameReader.decodeAll(whole))
    } catch {
        reader = FramingOutcome(error: error)
    }
    let split = splitPosition(bytes)
    let twoChunks = decodeWithProcessor([whole.getSlice(at: 0, length: split)!,
                                         whole.getSlice(at: split, length: bytes.count - split)!])
    if let error = reader.error {
        oracle(twoChunks.error == error,
               "decodeAll threw \(error); split decode (at \(split)) ended with \(String(describing: twoChunks.error))")
    } else {
        oracle(twoChunks.error == nil && twoChunks.packages == reader.packages,
               "decodeAll and split decode (at \(split)) differ")
    }

    // 2. + 3. Every package that was decoded, including those before a framing error.
    var reencoded: [UInt8] = []
    var payloadErrors: [TCPPayloadError?] = []
    for package in twoChunks.packages {
        reencoded += checkRoundTrip(package)
        payloadErrors.append(checkPayload(package))
    }
    if reader.error == nil {
        // A clean decode consumed every byte, and re-encoding is byte-exact.
        oracle(reencoded == bytes, "re-encoded frames differ from the input bytes")
    } else {
        oracle(reencoded == Array(bytes.prefix(reencoded.count)),
               "re-encoded frames differ from the input prefix they came from")
    }

    // 4. The inspector.
    checkInspector(bytes, framing: twoChunks, payloadErrors: payloadErrors)
}

/// Where to cut the input in two: derived from the first byte (mixed with the size, so a frame's
/// length byte does not always put the cut at the same offset from the end).
func splitPosition(_ bytes: [UInt8]) -> Int {
    guard let first = bytes.first else { return 0 }
    return (Int(first) &* 131 &+ bytes.count / 2) % (bytes.count + 1)
}

/// Runs the chunks through the NIO single-step processor, as a channel pipeline would, then EOF.
func decodeWithProcessor(_ chunks: [ByteBuffer]) -> FramingOutcome {
    let processor = NIOSingleStepByteToMessageProcessor(TCPFrameDecoder())
    var outcome = FramingOutcome()
    do {
        for chunk in chunks {
            try processor.process(buffer: chunk) { outcome.packages.append($0) }
        }
        try processor.finishProcessing(seenEOF: true) { outcome.packages.append($0) }
        oracle(processor.unprocessedBytes == 0, "processor finished with \(processor.unprocessedBytes) bytes left")
    } catch let error as TCPFramingError {
        outcome.error = error
    } catch {
        oracleFailure("frame decoder threw a non-framing error: \(error)")
    }
    return outcome
}

/// Re-encodes a decoded package and decodes it again; returns the frame bytes.
func checkRoundTrip(_ package: TCPPackage) -> [UInt8] {
    let frame: ByteBuffer
    do {
        frame = try package.encodedFrame()
    } catch {
        oracleFailure("decoded package does not re-encode: \(error) (\(package))")
    }
    oracle(frame.readableBytes == 4 + package.encodedLength, "encodedLength disagrees with the frame")
    let again: [TCPPackage]
    do {
        again = try TCPFrameReader.decodeAll(frame)
    } catch {
        oracleFailure("re-encoded package does not decode: \(error) (\(package))")
    }
    oracle(again == [package], "round trip changed the package: \(package) -> \(again)")
    return Array(frame.readableBytesView)
}

/// Decodes the payload as its command says; returns the payload error, if any.
func checkPayload(_ package: TCPPackage) -> TCPPayloadError? {
    let payload: TCPPayload
    do {
        payload = try package.decodePayload()
    } catch {
        return error
    }
    let raw = Array(package.payload.readableBytesView)
    switch payload {
    case .empty:
        oracle(raw.isEmpty, "empty payload kind with \(raw.count) bytes")
    case .bytes(let bytes):
        oracle(bytes == raw, "opaque payload bytes changed")
    case .text(let text):
        oracle(Array(text.utf8) == raw, "text payload bytes changed")
    case .message(let message):
        checkMessage(message, package: package)
    }
    return nil
}

func checkMessage<M: SwiftProtobuf.Message>(_ message: M, package: TCPPackage) {
    // The ByteBuffer-span path must agree with the array path decodePayload takes.
    do {
        let viaSpan: M = try package.decodeMessage(as: M.self)
        oracle(viaSpan.isEqualTo(message: message), "decodeMessage(as:) and decodePayload() disagree for \(package.command)")
    } catch {
        oracleFailure("decodeMessage(as:) failed where decodePayload() succeeded: \(error)")
    }
    // Protobuf round trip (unknown fields included).
    do {
        let bytes: [UInt8] = try message.serializedBytes(partial: true)
        let again = try M(serializedBytes: bytes, partial: true)
        oracle(again.isEqualTo(message: message), "protobuf round trip changed a \(M.protoMessageName)")
    } catch {
        oracleFailure("decoded \(M.protoMessageName) does not survive a protobuf round trip: \(error)")
    }
    // JSON that SwiftProtobuf writes must be accepted by our parser (otherwise the inspector
    // silently falls back to "unrenderable").
    var options = JSONEncodingOptions()
    options.preserveProtoFieldNames = true
    if let text = try? message.jsonString(options: options) {
        do {
            _ = try JSONValue(parsing: text)
        } catch {
            oracleFailure("JSONValue rejects SwiftProtobuf's JSON for \(M.protoMessageName): \(error)\n\(text)")
        }
    }
}

/// The inspector must see the same frames and fail at the same place as the decoders did.
func checkInspector(_ bytes: [UInt8], framing: FramingOutcome, payloadErrors: [TCPPayloadError?]) {
    let firstPayloadError = payloadErrors.firstIndex { $0 != nil }
    do {
        let frames = try WireInspector.inspect(bytes: bytes)
        if verbose {
            print("inspect: \(frames.count) frame(s)")
            for frame in frames { print(frame.text) }
        }
        oracle(framing.error == nil && firstPayloadError == nil, "inspector accepted what the decoders rejected")
        oracle(frames.map(\.package) == framing.packages, "inspector frames differ from the decoded packages")
        for (offset, frame) in frames.enumerated() {
            oracle(frame.index == offset + 1, "frame index \(frame.index) at position \(offset)")
            checkRendering(frame)
        }
    } catch {
        if verbose { print("inspect: \(error)") }
        switch error {
        case .hex:
            oracleFailure("inspect(bytes:) reported a hex error")
        case .framing(let framingError, let index):
            oracle(firstPayloadError == nil, "inspector reported framing, but frame \(firstPayloadError! + 1) has a bad payload")
            oracle(framingError == framing.error, "inspector framing error \(framingError) vs \(String(describing: framing.error))")
            oracle(index == framing.packages.count + 1, "inspector framing error at frame \(index), decoders at \(framing.packages.count + 1)")
        case .payload(let payloadError, let index):
            guard let first = firstPayloadError else { oracleFailure("inspector payload error, decoders had none") }
            oracle(index == first + 1, "inspector payload error at frame \(index), expected \(first + 1)")
            oracle(payloadError == payloadErrors[first], "inspector payload error differs")
        }
    }
}

/// Renders a frame every way the CLI does; the JSON text must parse and print back identically.
func checkRendering(_ frame: WireInspector.Frame) {
    _ = frame.text
    let json = frame.json
    let compact = json.compactText
    do {
        let reparsed = try JSONValue(parsing: compact)
        oracle(reparsed.compactText == compact, "JSON text does not survive parse + print")
        let pretty = try JSONValue(parsing: json.prettyText)
        oracle(pretty == reparsed, "pretty and compact JSON parse to different values")
    } catch {
        // Event data nested close to the parser's depth limit ends up deeper than it inside the
        // frame object; anything else means the writer produced text the parser rejects.
        oracle(error.reason.hasPrefix("nesting deeper"), "inspector JSON does not re-parse: \(error)\n\(compact)")
    }
}
