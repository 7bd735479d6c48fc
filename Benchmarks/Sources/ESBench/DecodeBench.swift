import EventStoreWire
import Foundation
import NIOCore

/// Measurement 1: frames of `ReadStreamEventsCompleted` decoded in-process, beside memcpy of the same bytes.
///
/// Decoding = what our client does with a read reply: split frames (`TCPFrameDecoder`), parse the
/// package header, decode the page (`ReadStreamPage`, the client's allocation-lean decoder) and
/// turn each event into client-owned values (stream, number, id, type, data, metadata), as
/// `RecordedEvent` does. `protobuf_*` figures decode the same frames with SwiftProtobuf's generated
/// `ESReadStreamEventsCompleted` instead (the client's path before the lean decoder).
enum DecodeBench {
    static func run(_ args: Args) async throws {
        let seconds = try args.double("seconds", 2)
        let repetitions = try args.int("repetitions", 3)
        let perPage = try args.int("events-per-frame", 500)
        var result: [String: Any] = ["events_per_frame": perPage]
        var runs: [String: [Double]] = [:]
        for repetition in 1...repetitions {
            for (name, size) in [("small", 200), ("large", 4096)] {
                let bytes = try frames(eventSize: size, perPage: perPage, totalBytes: 12 << 20)
                let (mbs, framesPerSecond) = try decodeRate(bytes.buffer, frameCount: bytes.frames, seconds: seconds, lean: true)
                runs["\(name)_mb_s", default: []].append(mbs)
                runs["\(name)_frames_s", default: []].append(framesPerSecond)
                runs["\(name)_events_s", default: []].append(framesPerSecond * Double(perPage))
                let (protobuf, _) = try decodeRate(bytes.buffer, frameCount: bytes.frames, seconds: seconds / 2, lean: false)
                runs["protobuf_\(name)_mb_s", default: []].append(protobuf)
            }
            let large = try frames(eventSize: 4096, perPage: perPage, totalBytes: 12 << 20)
            runs["memcpy_mb_s", default: []].append(memcpyRate(of: large.buffer, seconds: seconds))
            note("decode #\(repetition): " + runs.keys.sorted().map { "\($0)=\(Int(runs[$0]!.last!))" }.joined(separator: " "))
        }
        for (key, values) in runs { result[key] = Measure.quantile(values, 0.5) }
        result["runs"] = runs
        try emit(result)
    }

    /// Whole frames of pages (kept under 16 MB in all: NIO copies slices that start beyond 16 MB
    /// into a buffer, which a socket read of normal size never triggers) of `perPage` events of `eventSize` bytes, about `totalBytes` long.
    static func frames(eventSize: Int, perPage: Int, totalBytes: Int) throws -> (buffer: ByteBuffer, frames: Int) {
        var page = ESReadStreamEventsCompleted()
        page.result = .success
        page.isEndOfStream = false
        page.lastCommitPosition = 1 << 30
        page.events = (0..<perPage).map { number in
            var record = ESEventRecord()
            record.eventStreamID = "readbench"
            record.eventNumber = Int64(number)
            record.eventID = Data(UUID().dotNetBytes)
            record.eventType = "BenchEvent"
            record.dataContentType = 1
            record.metadataContentType = 0
            record.data = Data(Payloads.json(index: number, size: eventSize))
            record.metadata = Data()
            record.created = 638_000_000_000_000_000
            record.createdEpoch = 1_700_000_000_000
            var resolved = ESResolvedIndexedEvent()
            resolved.event = record
            return resolved
        }
        page.nextEventNumber = Int64(perPage)
        page.lastEventNumber = Int64(perPage * 10)
        let frame = try TCPPackage(command: .readStreamEventsForwardCompleted, correlationID: UUID(), message: page).encodedFrame()
        var buffer = ByteBuffer()
        var count = 0
        repeat {
            var copy = frame
            buffer.writeBuffer(&copy)
            count += 1
        } while buffer.readableBytes < totalBytes
        return (buffer, count)
    }

    /// MB/s and frames/s decoding `buffer` over and over for about `seconds`.
    static func decodeRate(_ buffer: ByteBuffer, frameCount: Int, seconds: Double, lean: Bool) throws -> (Double, Double) {
        let decoder = TCPFrameDecoder()
        var passes = 0
        var checksum = 0
        let start = Measure.now()
        repeat {
            var input = buffer
            while let package = try decoder.decodeFrame(buffer: &input) {
                if lean {
                    for resolved in try ReadStreamPage(decoding: package).events {
                        checksum &+= resolved.event.map { ClientSideEvent($0).checksum } ?? 0
                    }
                } else {
                    let page: ESReadStreamEventsCompleted = try package.decodeMessage()
                    for indexed in page.events {
                        checksum &+= ClientSideEvent(indexed.event).checksum
                    }
                }
            }
            passes += 1
        } while Measure.seconds(since: start) < seconds
        let elapsed = Measure.seconds(since: start)
        if checksum == 42 { note("") }  // keeps the optimiser from dropping the work
        return (Double(buffer.readableBytes * passes) / elapsed / 1e6, Double(frameCount * passes) / elapsed)
    }

    /// MB/s of `memcpy` of the frames' own bytes into another buffer, for about `seconds`.
    ///
    /// The source must be data the optimiser cannot see: copying from a buffer just `memset` to a
    /// constant is turned into a `memset` of the target (LLVM's memcpy-from-memset rewrite), which
    /// only writes and so overstates the ceiling — an earlier version of this benchmark did that.
    static func memcpyRate(of source: ByteBuffer, seconds: Double) -> Double {
        let bytes = source.readableBytes
        let target = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { target.deallocate() }
        memset(target, 0, bytes)
        var passes = 0
        let start = Measure.now()
        source.withUnsafeReadableBytes { from in
            repeat {
                memcpy(target, from.baseAddress!, bytes)
                passes += 1
            } while Measure.seconds(since: start) < seconds
        }
        return Double(bytes * passes) / Measure.seconds(since: start) / 1e6
    }
}

/// The copy a client makes of one event record (what `RecordedEvent` holds).
private struct ClientSideEvent {
    var stream: String
    var number: Int64
    var id: UUID
    var type: String
    var data: [UInt8]
    var metadata: [UInt8]

    init(_ record: WireEventRecord) {
        stream = record.eventStreamID
        number = record.eventNumber
        id = record.eventID ?? UUID()
        type = record.eventType
        data = record.data
        metadata = record.metadata
    }

    init(_ record: ESEventRecord) {
        stream = record.eventStreamID
        number = record.eventNumber
        id = UUID(dotNetBytes: record.eventID) ?? UUID()
        type = record.eventType
        data = Array(record.data)
        metadata = Array(record.metadata)
    }

    var checksum: Int { data.count &+ metadata.count &+ Int(number) &+ stream.utf8.count &+ type.utf8.count }
}
