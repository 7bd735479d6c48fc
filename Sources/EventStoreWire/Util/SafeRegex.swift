/// A regular expression matched without backtracking, for patterns that clients supply
/// (event filters on `$all` reads and subscriptions).
///
/// Answers what .NET's `Regex.IsMatch(subject)` answers with no options: whether the pattern
/// matches anywhere in `subject`, case-sensitively. Matching runs a Thompson NFA (Pike VM) over the
/// subject's Unicode scalars, in O(pattern × subject) time whatever the pattern (`^(a+)+$` included);
/// common shapes (`^Order`, `^[^\$].*`, `(Created|Updated)$`) take a shorter path that skips the VM.
///
/// Supported syntax:
/// - literal characters (any Unicode scalar); `.` (any scalar but `\n`);
/// - `\d \D \w \W \s \S` (Unicode, as .NET: `\w` is letters, nonspacing marks, decimal digits and
///   connector punctuation), `\b \B` (word boundaries), `\A \z \Z`, `^` (start of input), `$` (end of
///   input or before a final `\n`);
/// - `\t \n \r \f \v \e \a`, octal `\0` (up to two more digits), `\xHH`, `\uHHHH` (a surrogate pair
///   of escapes is one scalar), `\cX`, and `\` before any non-word character (`\. \$ \( \[ \{ \| \*
///   \+ \? \\ \/ \-` …); `\` before another letter or digit is an error, as in .NET;
/// - classes `[...]`, `[^...]` with ranges, the escapes above (`\b` is backspace there), `]` first
///   and `-` first or last taken literally;
/// - groups `( )`, `(?: )`, `(?<name> )`, `(?'name' )` (no captures are kept); alternation `|`;
/// - quantifiers `* + ? {n} {n,} {n,m}` and their lazy forms (laziness cannot change the answer);
///   a `{` that does not form a quantifier is a literal, as in .NET.
///
/// Backreferences, lookaround, atomic groups, conditionals, inline options, `\p{…}`, `\G`, comments,
/// class subtraction and POSIX classes throw ``SafeRegexError`` (kind `.unsupported`) naming the
/// construct and its offset. Counts above ``maxRepetition``, programs above ``maxProgramSize``
/// instructions, groups nested deeper than ``maxNesting`` and patterns longer than
/// ``maxPatternLength`` are refused too (kind `.tooLarge`), so a pattern cannot exhaust memory.
///
/// Where this differs from .NET: .NET matches UTF-16 code units, this matches Unicode scalars, so
/// `.` and `[^a]` consume a whole non-BMP character (`^.$` matches "😀"); and the Unicode tables are
/// Swift's, which may be a different Unicode version.
public struct SafeRegex: Sendable {
    /// The largest count a `{n}`, `{n,}` or `{n,m}` quantifier may use.
    public static let maxRepetition = 1000
    /// The most instructions a pattern may compile to (repetitions are expanded).
    public static let maxProgramSize = 100_000
    /// The deepest nesting of groups a pattern may use.
    public static let maxNesting = 200
    /// The longest pattern accepted, in Unicode scalars.
    public static let maxPatternLength = 100_000

    /// The source pattern.
    public let pattern: String
    let engine: Engine

    /// Compiles `pattern`; throws if it is malformed, uses an unsupported construct, or is too big.
    public init(_ pattern: String) throws(SafeRegexError) {
        self.pattern = pattern
        if pattern.unicodeScalars.count > Self.maxPatternLength {
            throw SafeRegexError(kind: .tooLarge, message: "pattern is longer than \(Self.maxPatternLength) characters", offset: Self.maxPatternLength)
        }
        var parser = Parser(pattern)
        engine = try Engine(try parser.parse())
    }

    /// Whether the pattern matches anywhere in `subject` (.NET `Regex.IsMatch`).
    public func matches(_ subject: String) -> Bool {
        var subject = subject  // withUTF8 is mutating; a native string is not copied
        switch engine {
        case .everything:
            return true
        case .lines(let lines):
            return subject.withUTF8 { text in lines.contains { $0.matches(text) } }
        case .program(let program):
            return subject.withUTF8 { program.matches($0) }
        }
    }
}

/// Why a pattern was refused.
public struct SafeRegexError: Error, Sendable, CustomStringConvertible {
    /// The broad reason.
    public enum Kind: Sendable {
        /// The pattern is malformed (unbalanced parentheses, reversed range, dangling quantifier…).
        case syntax
        /// Valid .NET syntax this engine does not implement (backreferences, lookaround…).
        case unsupported
        /// Over a limit: ``SafeRegex/maxRepetition``, ``SafeRegex/maxProgramSize``,
        /// ``SafeRegex/maxNesting`` or ``SafeRegex/maxPatternLength``.
        case tooLarge
    }

    /// The broad reason.
    public var kind: Kind
    /// What is wrong, e.g. `lookahead '(?=' is not supported`.
    public var message: String
    /// Where, counted in Unicode scalars from the start of the pattern.
    public var offset: Int

    /// `message at offset N`.
    public var description: String { "\(message) at offset \(offset)" }
}

// MARK: - Plans

extension SafeRegex {
    /// How a compiled pattern is run.
    enum Engine: Sendable {
        /// Some alternative matches the empty string unconditionally (`.*`, `a?`, ``).
        case everything
        /// Alternatives that are fixed sequences of scalar sets with anchors only at the ends.
        case lines([LineMatcher])
        /// Anything else.
        case program(Program)
    }

    /// One step of a straight line: a single scalar from a set, or an assertion.
    enum LineStep: Sendable {
        case set(ScalarSet)
        case assertion(Assertion)
    }

    /// Matches a fixed sequence of scalar sets, optionally anchored at the start and/or end,
    /// by direct comparison (UTF-8 bytes when every set is a single scalar).
    struct LineMatcher: Sendable {
        enum End: Sendable { case none, endOrFinalNewline, end }

        let sets: [ScalarSet]
        /// The UTF-8 of `sets` when each is a single scalar; otherwise empty.
        let literal: [UInt8]
        let anchoredStart: Bool
        let end: End

        /// Nil if an assertion sits anywhere but in the leading `^`s or trailing `$`/`\z`s.
        init?(_ steps: [LineStep]) {
            var low = 0
            var high = steps.count
            var anchoredStart = false
            var end = End.none
            while low < high, case .assertion(.start) = steps[low] {
                anchoredStart = true
                low += 1
            }
            while high > low, case .assertion(let a) = steps[high - 1], a == .end || a == .endOrFinalNewline {
                if a == .end { end = .end } else if end == .none { end = .endOrFinalNewline }
                high -= 1
            }
            var sets: [ScalarSet] = []
            for step in steps[low..<high] {
                guard case .set(let set) = step else { return nil }
                sets.append(set)
            }
            var literal: [UInt8] = []
            for set in sets {
                guard let v = set.singleScalar, let scalar = Unicode.Scalar(v) else {
                    literal = []
                    break
                }
                literal += String(scalar).utf8
            }
            (self.sets, self.literal, self.anchoredStart, self.end) = (sets, literal, anchoredStart, end)
        }

        func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
            if !literal.isEmpty { return literalMatches(text) }
            if anchoredStart {
                guard let stop = forward(text, from: 0) else { return false }
                return endAccepts(text, stop)
            }
            switch end {
            case .none:
                var i = 0
                while true {
                    if forward(text, from: i) != nil { return true }
                    if i == text.count { return false }
                    i += SafeRegex.decode(text, at: i).width
                }
            case .end:
                return backward(text, to: text.count)
            case .endOrFinalNewline:
                return backward(text, to: text.count) || (text.last == 0x0A && backward(text, to: text.count - 1))
            }
        }

        /// Where the sets stop matching when started at byte `start`, or nil.
        private func forward(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
            var i = start
            for set in sets {
                guard i < text.count else { return nil }
                let (scalar, width) = SafeRegex.decode(text, at: i)
                guard set.contains(scalar) else { return nil }
                i += width
            }
            return i
        }

        /// Whether the sets match ending exactly at byte `stop`.
        private func backward(_ text: UnsafeBufferPointer<UInt8>, to stop: Int) -> Bool {
            var i = stop
            for set in sets.reversed() {
                guard i > 0 else { return false }
                i -= 1
                while text[i] & 0xC0 == 0x80 { i -= 1 }  // back to the scalar's first byte
                guard set.contains(SafeRegex.decode(text, at: i).scalar) else { return false }
            }
            return true
        }

        private func endAccepts(_ text: UnsafeBufferPointer<UInt8>, _ stop: Int) -> Bool {
            switch end {
            case .none: true
            case .end: stop == text.count
            case .endOrFinalNewline: stop == text.count || (stop == text.count - 1 && text[stop] == 0x0A)
            }
        }

        private func literalMatches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
            let n = text.count
            let k = literal.count
            func occurs(at i: Int) -> Bool {
                guard i >= 0, i + k <= n else { return false }
                for j in 0..<k where text[i + j] != literal[j] { return false }
                return true
            }
            switch (anchoredStart, end) {
            case (true, .none): return occurs(at: 0)
            case (true, .end): return n == k && occurs(at: 0)
            case (true, .endOrFinalNewline): return (n == k || (n == k + 1 && text[k] == 0x0A)) && occurs(at: 0)
            case (false, .end): return occurs(at: n - k)
            case (false, .endOrFinalNewline): return occurs(at: n - k) || (text.last == 0x0A && occurs(at: n - 1 - k))
            case (false, .none):
                let first = literal[0]
                var i = 0
                while i <= n - k {
                    if text[i] == first && occurs(at: i) { return true }
                    i += 1
                }
                return false
            }
        }
    }
}

// MARK: - Pike VM

extension SafeRegex {
    /// One NFA instruction.
    struct Instruction: Sendable {
        enum Op: UInt8, Sendable {
            /// Consume scalar `x`.
            case scalar
            /// Consume a scalar in `sets[x]`.
            case set
            /// Continue at `x` and at `y`.
            case split
            /// Continue at `x`.
            case jump
            /// Continue at the next instruction if assertion `x` holds here.
            case assert
            case match
        }

        var op: Op
        var x: Int32
        var y: Int32
    }

    /// Scalars that can begin a match (when no match is empty): lets the VM skip positions where
    /// no match can start.
    struct StartFilter: Sendable {
        var ascii: (low: UInt64, high: UInt64) = (0, 0)
        var nonASCII = false

        func admits(_ scalar: UInt32) -> Bool {
            if scalar < 64 { return ascii.low & (1 &<< UInt64(scalar)) != 0 }
            if scalar < 128 { return ascii.high & (1 &<< UInt64(scalar &- 64)) != 0 }
            return nonASCII
        }
    }

    /// A compiled NFA. Each position's live states are kept in sets sized by the program, so
    /// a match costs O(program × subject) time and O(program) temporary (stack) memory.
    struct Program: Sendable {
        let code: [Instruction]
        let sets: [ScalarSet]
        let anchoredStart: Bool
        let filter: StartFilter?

        init(_ alternatives: [Node]) {
            var compiler = Compiler()
            compiler.emit(alternatives.count == 1 ? alternatives[0] : .alternation(alternatives))
            compiler.code.append(Instruction(op: .match, x: 0, y: 0))
            code = compiler.code
            sets = compiler.sets
            anchoredStart = alternatives.allSatisfy(\.isAnchoredAtStart)
            filter = Self.startFilter(code, sets)
        }

        /// The scalars the instructions reachable from the start consume, taking every assertion
        /// as true (a superset, so skipping what it excludes is safe); nil if the match is reachable
        /// without consuming anything.
        private static func startFilter(_ code: [Instruction], _ sets: [ScalarSet]) -> StartFilter? {
            var filter = StartFilter()
            var seen = Set<Int32>()
            var stack: [Int32] = [0]
            while let pc = stack.popLast() {
                guard seen.insert(pc).inserted else { continue }
                let inst = code[Int(pc)]
                switch inst.op {
                case .match: return nil
                case .assert: stack.append(pc + 1)
                case .jump: stack.append(inst.x)
                case .split: stack += [inst.x, inst.y]
                case .scalar, .set:
                    let set = inst.op == .set ? sets[Int(inst.x)] : .single(UInt32(bitPattern: inst.x))
                    for v in 0..<UInt32(128) where set.contains(v) {
                        if v < 64 { filter.ascii.low |= 1 << UInt64(v) } else { filter.ascii.high |= 1 << UInt64(v - 64) }
                    }
                    filter.nonASCII = filter.nonASCII || set.mayMatchNonASCII
                }
            }
            return filter
        }

        func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
            code.withUnsafeBufferPointer { code in
                sets.withUnsafeBufferPointer { sets in
                    // Four state arrays; on the stack unless the program is large.
                    withUnsafeTemporaryAllocation(of: Int32.self, capacity: 4 * code.count) { memory in
                        var vm = PikeVM(code: code, sets: sets, memory: memory.baseAddress!)
                        return vm.run(text, anchoredStart: anchoredStart, filter: filter)
                    }
                }
            }
        }
    }

    /// The matching state of one `Program.matches` call.
    private struct PikeVM {
        static let noScalar = UInt32.max

        let code: UnsafeBufferPointer<Instruction>
        let sets: UnsafeBufferPointer<ScalarSet>
        /// The generation in which each instruction was last reached (dedups threads per position).
        let mark: UnsafeMutablePointer<Int32>
        /// Consuming instructions alive at the current position.
        let current: UnsafeMutablePointer<Int32>
        /// Instructions reached by consuming the previous scalar.
        let pending: UnsafeMutablePointer<Int32>
        /// Work list for following jumps, splits and assertions.
        let stack: UnsafeMutablePointer<Int32>
        var generation: Int32 = 0
        var currentCount = 0
        var previous = noScalar
        var scalar = noScalar
        var atFinalNewline = false

        init(code: UnsafeBufferPointer<Instruction>, sets: UnsafeBufferPointer<ScalarSet>, memory: UnsafeMutablePointer<Int32>) {
            let n = code.count
            (self.code, self.sets) = (code, sets)
            (mark, current, pending, stack) = (memory, memory + n, memory + 2 * n, memory + 3 * n)
            mark.initialize(repeating: 0, count: n)
        }

        mutating func run(_ text: UnsafeBufferPointer<UInt8>, anchoredStart: Bool, filter: StartFilter?) -> Bool {
            var pendingCount = 0
            var i = 0
            while true {
                var width = 0
                if i < text.count { (scalar, width) = SafeRegex.decode(text, at: i) } else { scalar = Self.noScalar }
                if pendingCount == 0 {
                    if anchoredStart && i > 0 { return false }
                    if let filter {
                        if scalar == Self.noScalar { return false }
                        if !filter.admits(scalar) {
                            previous = scalar
                            i += width
                            continue
                        }
                    }
                }
                atFinalNewline = scalar == 0x0A && i + 1 == text.count
                if generation == .max {
                    mark.update(repeating: 0, count: code.count)
                    generation = 0
                }
                generation += 1
                currentCount = 0
                for k in 0..<pendingCount {
                    let pc = pending[k]
                    switch code[Int(pc)].op {
                    case .scalar, .set:  // the common case, without the work list
                        guard mark[Int(pc)] != generation else { continue }
                        mark[Int(pc)] = generation
                        current[currentCount] = pc
                        currentCount += 1
                    default:
                        if follow(pc) { return true }
                    }
                }
                if (!anchoredStart || i == 0) && follow(0) { return true }
                if scalar == Self.noScalar { return false }

                pendingCount = 0
                for k in 0..<currentCount {
                    let pc = current[k]
                    let inst = code[Int(pc)]
                    let hit = inst.op == .scalar ? UInt32(bitPattern: inst.x) == scalar : sets[Int(inst.x)].contains(scalar)
                    if hit {
                        pending[pendingCount] = pc + 1
                        pendingCount += 1
                    }
                }
                previous = scalar
                i += width
            }
        }

        /// Adds the consuming instructions reachable from `root` without consuming to `current`;
        /// true if the match instruction is reachable.
        private mutating func follow(_ root: Int32) -> Bool {
            guard mark[Int(root)] != generation else { return false }
            mark[Int(root)] = generation
            stack[0] = root
            var depth = 1
            while depth > 0 {
                depth -= 1
                let pc = stack[depth]
                let inst = code[Int(pc)]
                var first: Int32 = -1
                var second: Int32 = -1
                switch inst.op {
                case .scalar, .set:
                    current[currentCount] = pc
                    currentCount += 1
                case .match: return true
                case .jump: first = inst.x
                case .split: (first, second) = (inst.x, inst.y)
                case .assert: if holds(inst.x) { first = pc + 1 }
                }
                if first >= 0 { push(first, &depth) }
                if second >= 0 { push(second, &depth) }
            }
            return false
        }

        @inline(__always)
        private func push(_ pc: Int32, _ depth: inout Int) {
            guard mark[Int(pc)] != generation else { return }
            mark[Int(pc)] = generation
            stack[depth] = pc
            depth += 1
        }

        private func holds(_ assertion: Int32) -> Bool {
            switch Assertion(rawValue: assertion).unsafelyUnwrapped {
            case .start: previous == Self.noScalar
            case .end: scalar == Self.noScalar
            case .endOrFinalNewline: scalar == Self.noScalar || atFinalNewline
            case .wordBoundary: SafeRegex.isBoundaryWordChar(previous) != SafeRegex.isBoundaryWordChar(scalar)
            case .notWordBoundary: SafeRegex.isBoundaryWordChar(previous) == SafeRegex.isBoundaryWordChar(scalar)
            }
        }
    }

    /// The scalar starting at byte `i` of valid UTF-8 (Swift strings always are) and its length.
    @inline(__always)
    static func decode(_ text: UnsafeBufferPointer<UInt8>, at i: Int) -> (scalar: UInt32, width: Int) {
        let b0 = UInt32(text[i])
        if b0 < 0x80 { return (b0, 1) }
        let b1 = UInt32(text[i + 1] & 0x3F)
        if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | b1, 2) }
        let b2 = UInt32(text[i + 2] & 0x3F)
        if b0 < 0xF0 { return ((b0 & 0x0F) << 12 | b1 << 6 | b2, 3) }
        return ((b0 & 0x07) << 18 | b1 << 12 | b2 << 6 | UInt32(text[i + 3] & 0x3F), 4)
    }
}

// MARK: - Scalar sets

extension SafeRegex {
    /// A set of Unicode scalars: ranges plus `\d \w \s` (and negations), optionally negated,
    /// with ASCII membership precomputed as a bitmap.
    struct ScalarSet: Sendable {
        struct Shorthands: OptionSet, Sendable {
            let rawValue: UInt8
            static let digit = Self(rawValue: 1)
            static let notDigit = Self(rawValue: 2)
            static let word = Self(rawValue: 4)
            static let notWord = Self(rawValue: 8)
            static let space = Self(rawValue: 16)
            static let notSpace = Self(rawValue: 32)
        }

        /// Sorted, disjoint.
        let ranges: [ClosedRange<UInt32>]
        let shorthands: Shorthands
        let negated: Bool
        private var ascii: (low: UInt64, high: UInt64) = (0, 0)

        static let dot = ScalarSet(ranges: [0x0A...0x0A], negated: true)

        static func single(_ scalar: UInt32) -> ScalarSet { ScalarSet(ranges: [scalar...scalar]) }

        init(ranges: [ClosedRange<UInt32>], shorthands: Shorthands = [], negated: Bool = false) {
            var merged: [ClosedRange<UInt32>] = []
            for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                if let last = merged.last, r.lowerBound <= last.upperBound &+ 1 {
                    merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
                } else {
                    merged.append(r)
                }
            }
            (self.ranges, self.shorthands, self.negated) = (merged, shorthands, negated)
            for v in 0..<UInt32(128) where containsSlowly(v) {
                if v < 64 { ascii.low |= 1 << UInt64(v) } else { ascii.high |= 1 << UInt64(v - 64) }
            }
        }

        /// `\d \D \w \W \s \S`.
        init(shorthand letter: Unicode.Scalar) {
            let kind: Shorthands = switch letter {
            case "d": .digit
            case "D": .notDigit
            case "w": .word
            case "W": .notWord
            case "s": .space
            default: .notSpace
            }
            self.init(ranges: [], shorthands: kind)
        }

        /// The scalar, if this set holds exactly one.
        var singleScalar: UInt32? {
            guard ranges.count == 1, ranges[0].count == 1, shorthands.isEmpty, !negated else { return nil }
            return ranges[0].lowerBound
        }

        /// False only if every member is ASCII.
        var mayMatchNonASCII: Bool { negated || !shorthands.isEmpty || (ranges.last?.upperBound ?? 0) >= 128 }

        @inline(__always)
        func contains(_ scalar: UInt32) -> Bool {
            if scalar < 64 { return ascii.low & (1 &<< UInt64(scalar)) != 0 }
            if scalar < 128 { return ascii.high & (1 &<< UInt64(scalar &- 64)) != 0 }
            return containsSlowly(scalar)
        }

        private func containsSlowly(_ scalar: UInt32) -> Bool {
            var low = 0
            var high = ranges.count
            while low < high {
                let mid = (low + high) / 2
                if ranges[mid].upperBound < scalar { low = mid + 1 } else { high = mid }
            }
            var found = low < ranges.count && ranges[low].lowerBound <= scalar
            if !found && !shorthands.isEmpty {
                found = (shorthands.contains(.digit) && SafeRegex.isDigit(scalar))
                    || (shorthands.contains(.notDigit) && !SafeRegex.isDigit(scalar))
                    || (shorthands.contains(.word) && SafeRegex.isWordChar(scalar))
                    || (shorthands.contains(.notWord) && !SafeRegex.isWordChar(scalar))
                    || (shorthands.contains(.space) && SafeRegex.isSpace(scalar))
                    || (shorthands.contains(.notSpace) && !SafeRegex.isSpace(scalar))
            }
            return found != negated
        }
    }

    // .NET's definitions, applied to Unicode scalars. Category lookups stay out of line: the
    // stdlib's resilient category type would otherwise slow down every VM step that inlines them.

    /// `\d`: decimal digits (Nd).
    static func isDigit(_ v: UInt32) -> Bool {
        v < 128 ? (0x30...0x39).contains(v) : category(of: v, in: .digit)
    }

    /// `\w`: letters (L*), nonspacing marks (Mn), decimal digits (Nd), connector punctuation (Pc).
    static func isWordChar(_ v: UInt32) -> Bool {
        if v < 128 { return (0x61...0x7A).contains(v | 0x20) || (0x30...0x39).contains(v) || v == 0x5F }
        return category(of: v, in: .word)
    }

    /// Word characters for `\b`: `\w` plus ZERO WIDTH (NON-)JOINER.
    static func isBoundaryWordChar(_ v: UInt32) -> Bool {
        isWordChar(v) || v == 0x200C || v == 0x200D
    }

    /// `\s`: `char.IsWhiteSpace`, i.e. U+0009–U+000D, U+0085 and separators (Zs, Zl, Zp).
    static func isSpace(_ v: UInt32) -> Bool {
        if v < 128 { return (0x09...0x0D).contains(v) || v == 0x20 }
        return v == 0x85 || category(of: v, in: .space)
    }

    @inline(never)
    private static func category(of v: UInt32, in shorthand: ScalarSet.Shorthands) -> Bool {
        guard let category = Unicode.Scalar(v)?.properties.generalCategory else { return false }
        switch category {
        case .decimalNumber:
            return shorthand == .digit || shorthand == .word
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .connectorPunctuation:
            return shorthand == .word
        case .spaceSeparator, .lineSeparator, .paragraphSeparator:
            return shorthand == .space
        default:
            return false
        }
    }
}
