// Parsing and compiling for SafeRegex: pattern text → syntax tree → search plan (see SafeRegex.swift).

extension SafeRegex {
    /// A zero-width assertion.
    enum Assertion: Int32, Sendable {
        /// `^`, `\A`: start of input.
        case start
        /// `\z`: end of input.
        case end
        /// `$`, `\Z`: end of input, or before a `\n` that ends the input.
        case endOrFinalNewline
        /// `\b`
        case wordBoundary
        /// `\B`
        case notWordBoundary
    }

    /// A parsed pattern. Groups leave no trace: only matching matters, not captures.
    indirect enum Node: Sendable {
        case empty
        case scalar(UInt32)
        case set(ScalarSet)
        case assertion(Assertion)
        case concat([Node])
        case alternation([Node])
        /// `max == nil`: unbounded.
        case repetition(Node, min: Int, max: Int?)
    }
}

// MARK: - Parser

extension SafeRegex {
    /// Recursive-descent parser for the .NET syntax subset; offsets in errors count Unicode scalars.
    struct Parser {
        private let s: [Unicode.Scalar]
        private var pos = 0
        private var depth = 0

        init(_ pattern: String) { s = Array(pattern.unicodeScalars) }

        mutating func parse() throws(SafeRegexError) -> Node {
            let node = try parseAlternation()
            // parseAlternation stops only at the end or at a ')' that closes nothing.
            if pos < s.count { throw syntax("unbalanced ')': no matching '('", pos) }
            return node
        }

        private var peek: Unicode.Scalar? { pos < s.count ? s[pos] : nil }

        private func syntax(_ message: String, _ offset: Int) -> SafeRegexError {
            SafeRegexError(kind: .syntax, message: message, offset: offset)
        }

        private func unsupported(_ construct: String, _ offset: Int) -> SafeRegexError {
            SafeRegexError(kind: .unsupported, message: "\(construct) is not supported", offset: offset)
        }

        private func text(_ range: Range<Int>) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: s[range])
            return String(view)
        }

        private mutating func parseAlternation() throws(SafeRegexError) -> Node {
            var branches = [try parseSequence()]
            while peek == "|" {
                pos += 1
                branches.append(try parseSequence())
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        private mutating func parseSequence() throws(SafeRegexError) -> Node {
            var items: [Node] = []
            while let c = peek, c != "|", c != ")" {
                if let q = try quantifier(at: pos) {
                    throw syntax("quantifier '\(text(pos..<q.end))' follows nothing", pos)
                }
                var atom = try parseAtom()
                if let q = try quantifier(at: pos) {
                    pos = q.end
                    if peek == "?" { pos += 1 }  // lazy: same answer for "is there a match"
                    atom = .repetition(atom, min: q.min, max: q.max)
                    if let next = try quantifier(at: pos) {
                        throw syntax("nested quantifier '\(text(pos..<next.end))'", pos)
                    }
                }
                items.append(atom)
            }
            switch items.count {
            case 0: return .empty
            case 1: return items[0]
            default: return .concat(items)
            }
        }

        /// `*`, `+`, `?`, `{n}`, `{n,}` or `{n,m}` at `p`, not consumed. A `{` that starts none of these is a literal.
        private func quantifier(at p: Int) throws(SafeRegexError) -> (min: Int, max: Int?, end: Int)? {
            guard p < s.count else { return nil }
            switch s[p] {
            case "*": return (0, nil, p + 1)
            case "+": return (1, nil, p + 1)
            case "?": return (0, 1, p + 1)
            case "{":
                var q = p + 1
                guard let low = number(&q) else { return nil }
                var high: Int? = low
                if q < s.count, s[q] == "," {
                    q += 1
                    high = number(&q)
                }
                guard q < s.count, s[q] == "}" else { return nil }
                let limit = SafeRegex.maxRepetition
                if low > limit || (high ?? 0) > limit {
                    throw SafeRegexError(kind: .tooLarge, message: "repetition count in '\(text(p..<q + 1))' exceeds \(limit)", offset: p)
                }
                if let high, high < low {
                    throw syntax("'\(text(p..<q + 1))' has its minimum above its maximum", p)
                }
                return (low, high, q + 1)
            default:
                return nil
            }
        }

        /// Decimal digits at `q` (saturating), advancing `q`; nil if there are none.
        private func number(_ q: inout Int) -> Int? {
            var value: Int?
            while q < s.count, let d = s[q].asciiDigit {
                value = Swift.min((value ?? 0) * 10 + d, 1_000_000_000)
                q += 1
            }
            return value
        }

        private mutating func parseAtom() throws(SafeRegexError) -> Node {
            let start = pos
            let c = s[pos]
            pos += 1
            switch c {
            case "(": return try parseGroup(start)
            case "[": return .set(try parseClass(start))
            case ".": return .set(.dot)
            case "^": return .assertion(.start)
            case "$": return .assertion(.endOrFinalNewline)
            case "\\": return try parseEscape(start)
            default: return .scalar(c.value)
            }
        }

        private mutating func parseGroup(_ start: Int) throws(SafeRegexError) -> Node {
            depth += 1
            defer { depth -= 1 }
            if depth > SafeRegex.maxNesting {
                throw SafeRegexError(kind: .tooLarge, message: "groups nest deeper than \(SafeRegex.maxNesting)", offset: start)
            }
            if peek == "?" {
                pos += 1
                guard let k = peek else { throw syntax("unterminated group construct '(?'", start) }
                switch k {
                case ":": pos += 1
                case "=": throw unsupported("lookahead '(?='", start)
                case "!": throw unsupported("negative lookahead '(?!'", start)
                case ">": throw unsupported("atomic group '(?>'", start)
                case "(": throw unsupported("conditional '(?('", start)
                case "#": throw unsupported("inline comment '(?#'", start)
                case "i", "m", "n", "s", "x", "I", "M", "N", "S", "X", "-", "+":
                    throw unsupported("inline option '(?\(k)'", start)
                case "<", "'":
                    pos += 1
                    if k == "<", peek == "=" { throw unsupported("lookbehind '(?<='", start) }
                    if k == "<", peek == "!" { throw unsupported("negative lookbehind '(?<!'", start) }
                    try skipGroupName(close: k == "<" ? ">" : "'", start)
                default:
                    throw syntax("unrecognized group construct '(?\(k)'", start)
                }
            }
            let inner = try parseAlternation()
            guard peek == ")" else { throw syntax("unbalanced '(': missing ')'", start) }
            pos += 1
            return inner
        }

        /// The `name>` of `(?<name>`: word characters, or a group number other than 0.
        private mutating func skipGroupName(close: Unicode.Scalar, _ start: Int) throws(SafeRegexError) {
            let nameStart = pos
            while let c = peek, SafeRegex.isBoundaryWordChar(c.value) { pos += 1 }
            if peek == "-" { throw unsupported("balancing group '(?<name1-name2>'", start) }
            let name = s[nameStart..<pos]
            guard !name.isEmpty, peek == close else { throw syntax("invalid group name", nameStart) }
            if name.first?.asciiDigit != nil {
                guard name.allSatisfy({ $0.asciiDigit != nil }) else { throw syntax("invalid group name", nameStart) }
                guard name.contains(where: { $0 != "0" }) else { throw syntax("group number 0 is reserved", nameStart) }
            }
            pos += 1
        }

        /// After a `\` outside a class.
        private mutating func parseEscape(_ start: Int) throws(SafeRegexError) -> Node {
            guard let c = peek else { throw syntax("pattern ends with an unescaped '\\'", start) }
            switch c {
            case "d", "D", "w", "W", "s", "S":
                pos += 1
                return .set(ScalarSet(shorthand: c))
            case "b": pos += 1; return .assertion(.wordBoundary)
            case "B": pos += 1; return .assertion(.notWordBoundary)
            case "A": pos += 1; return .assertion(.start)
            case "z": pos += 1; return .assertion(.end)
            case "Z": pos += 1; return .assertion(.endOrFinalNewline)
            case "G": throw unsupported("'\\G' (previous-match anchor)", start)
            case "p", "P": throw unsupported("Unicode category '\\\(c){…}'", start)
            case "k": throw unsupported("named backreference '\\k'", start)
            case "1"..."9": throw unsupported("backreference '\\\(c)'", start)
            default: return .scalar(try parseCharEscape(start, inClass: false))
            }
        }

        /// A `\` escape that stands for one character; `pos` is just after the `\`.
        private mutating func parseCharEscape(_ start: Int, inClass: Bool) throws(SafeRegexError) -> UInt32 {
            let c = s[pos]
            pos += 1
            switch c {
            case "0"..."7" where c == "0" || inClass:
                // Octal, up to three digits, truncated to 8 bits (as .NET does).
                var value = UInt32(c.asciiDigit!)
                var digits = 1
                while digits < 3, let d = peek?.asciiDigit, d < 8 {
                    value = value * 8 + UInt32(d)
                    pos += 1
                    digits += 1
                }
                return value & 0xFF
            case "x":
                return try hex(digits: 2, start)
            case "u":
                let value = try hex(digits: 4, start)
                guard (0xD800...0xDFFF).contains(value) else { return value }
                // A UTF-16 surrogate pair spelled as two escapes is one scalar.
                if value < 0xDC00, pos + 1 < s.count, s[pos] == "\\", s[pos + 1] == "u" {
                    let save = pos
                    pos += 2
                    if let low = try? hex(digits: 4, start), (0xDC00...0xDFFF).contains(low) {
                        return 0x10000 + (value - 0xD800) << 10 + (low - 0xDC00)
                    }
                    pos = save
                }
                throw syntax("'\(text(start..<pos))' is a lone UTF-16 surrogate", start)
            case "c":
                guard let k = peek else { throw syntax("missing control character after '\\c'", start) }
                pos += 1
                var value = k.value
                if (0x61...0x7A).contains(value) { value -= 0x20 }  // \ca == \cA
                guard (0x40...0x5F).contains(value) else { throw syntax("invalid control character '\\c\(k)'", start) }
                return value - 0x40
            case "a": return 0x07
            case "b": return 0x08  // only reached inside a class; outside, \b is a word boundary
            case "e": return 0x1B
            case "f": return 0x0C
            case "n": return 0x0A
            case "r": return 0x0D
            case "t": return 0x09
            case "v": return 0x0B
            default:
                // .NET rejects unknown escapes of word characters (\q, \_); anything else is itself.
                if SafeRegex.isBoundaryWordChar(c.value) { throw syntax("unrecognized escape '\\\(c)'", start) }
                return c.value
            }
        }

        private mutating func hex(digits: Int, _ start: Int) throws(SafeRegexError) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<digits {
                guard let d = peek?.hexDigit else {
                    throw syntax("'\\\(s[start + 1])' needs exactly \(digits) hex digits", start)
                }
                value = value << 4 | d
                pos += 1
            }
            return value
        }

        /// After the `[` at `start`. Follows .NET: `]` first is literal, `-` first or last is literal,
        /// `\-` is a literal that never starts a range.
        private mutating func parseClass(_ start: Int) throws(SafeRegexError) -> ScalarSet {
            var negated = false
            if peek == "^" {
                negated = true
                pos += 1
            }
            var ranges: [ClosedRange<UInt32>] = []
            var shorthands: ScalarSet.Shorthands = []
            var first = true
            var rangeStart: (value: UInt32, offset: Int)?

            func addRange(_ low: UInt32, _ high: UInt32, _ offset: Int) throws(SafeRegexError) {
                guard low <= high else {
                    throw syntax("range '\(text(offset..<pos))' is reversed", offset)
                }
                ranges.append(low...high)
            }

            while pos < s.count {
                let itemStart = pos
                var c = s[pos].value
                pos += 1
                var escaped = false
                if c == 0x5D /* ] */ && !first {
                    return ScalarSet(ranges: ranges, shorthands: shorthands, negated: negated)
                } else if c == 0x5C /* \ */ {
                    guard let e = peek else { break }
                    switch e {
                    case "d", "D", "w", "W", "s", "S":
                        pos += 1
                        if rangeStart != nil {
                            throw syntax("'\\\(e)' cannot be the end of a range", itemStart)
                        }
                        shorthands.formUnion(ScalarSet(shorthand: e).shorthands)
                        first = false
                        continue
                    case "p", "P":
                        throw unsupported("Unicode category '\\\(e){…}'", itemStart)
                    case "-":
                        pos += 1
                        if let r = rangeStart {
                            try addRange(r.value, 0x2D, r.offset)
                            rangeStart = nil
                        } else {
                            ranges.append(0x2D...0x2D)
                        }
                        first = false
                        continue
                    default:
                        c = try parseCharEscape(itemStart, inClass: true)
                        escaped = true
                    }
                } else if c == 0x5B /* [ */ && peek == ":" {
                    throw unsupported("POSIX class syntax '[:' inside a character class", itemStart)
                }

                if let r = rangeStart {
                    if c == 0x5B && !escaped {
                        throw unsupported("character class subtraction '-['", itemStart - 1)
                    }
                    try addRange(r.value, c, r.offset)
                    rangeStart = nil
                } else if pos + 1 < s.count, s[pos] == "-", s[pos + 1] != "]" {
                    rangeStart = (c, itemStart)
                    pos += 1
                } else if c == 0x2D && !escaped && !first && peek == "[" {
                    throw unsupported("character class subtraction '-['", itemStart)
                } else {
                    ranges.append(c...c)
                }
                first = false
            }
            throw syntax("unterminated character class", start)
        }
    }
}

extension Unicode.Scalar {
    fileprivate var asciiDigit: Int? { (0x30...0x39).contains(value) ? Int(value - 0x30) : nil }

    fileprivate var hexDigit: UInt32? {
        switch value {
        case 0x30...0x39: value - 0x30
        case 0x41...0x46: value - 0x41 + 10
        case 0x61...0x66: value - 0x61 + 10
        default: nil
        }
    }
}

// MARK: - Planning

extension SafeRegex.Node {
    /// Matches the empty string without passing any assertion (so it can match anywhere).
    var matchesEmptyUnconditionally: Bool {
        switch self {
        case .empty: true
        case .scalar, .set, .assertion: false
        case .concat(let items): items.allSatisfy(\.matchesEmptyUnconditionally)
        case .alternation(let branches): branches.contains(where: \.matchesEmptyUnconditionally)
        case .repetition(let child, let min, _): min == 0 || child.matchesEmptyUnconditionally
        }
    }

    /// Every match must start at the start of input.
    var isAnchoredAtStart: Bool {
        switch self {
        case .assertion(.start): return true
        case .concat(let items):
            for item in items {
                if item.isAnchoredAtStart { return true }
                guard case .assertion = item else { return false }
            }
            return false
        case .alternation(let branches): return branches.allSatisfy(\.isAnchoredAtStart)
        case .repetition(let child, let min, _): return min > 0 && child.isAnchoredAtStart
        default: return false
        }
    }

    /// Instructions `SafeRegex.Compiler` emits for this node, saturating at `cap`.
    func programSize(cap: Int) -> Int {
        func mul(_ a: Int, _ b: Int) -> Int {
            let (r, overflow) = a.multipliedReportingOverflow(by: b)
            return overflow ? cap : Swift.min(r, cap)
        }
        switch self {
        case .empty: return 0
        case .scalar, .set, .assertion: return 1
        case .concat(let items):
            return items.reduce(0) { Swift.min($0 + $1.programSize(cap: cap), cap) }
        case .alternation(let branches):
            return branches.reduce(2 * (branches.count - 1)) { Swift.min($0 + $1.programSize(cap: cap), cap) }
        case .repetition(let child, let min, let max):
            let size = child.programSize(cap: cap)
            guard let max else { return min == 0 ? size + 2 : Swift.min(mul(min, size) + 1, cap) }
            return Swift.min(mul(min, size) + mul(max - min, size + 1), cap)
        }
    }

    /// Alternatives that match somewhere exactly when the pattern does, each with leading and
    /// trailing parts that can match empty dropped (`^[^$].*` → `^[^$]`) and end repetitions cut to
    /// their minimum. Nil if an alternative becomes empty: the pattern matches every input.
    func searchAlternatives() -> [Self]? {
        var result: [Self] = []
        var work = [self]
        while let node = work.popLast() {
            if case .alternation(let branches) = node {
                work.append(contentsOf: branches.reversed())
                continue
            }
            var items = node.flattenedConcat
            while let first = items.first, first.matchesEmptyUnconditionally { items.removeFirst() }
            while let last = items.last, last.matchesEmptyUnconditionally { items.removeLast() }
            // A match of x{n,m} at an end contains one of x{n} at that end: `^user-\d+` → `^user-\d`.
            if let first = items.first { items[0] = first.shortestRepetition }
            if let last = items.last { items[items.count - 1] = last.shortestRepetition }
            switch items.count {
            case 0: return nil
            case 1:
                if case .alternation = items[0] { work.append(items[0]) } else { result.append(items[0]) }
            default: result.append(.concat(items))
            }
        }
        return result
    }

    /// `x{n}` for `x{n,m}` / `x{n,}`; anything else unchanged.
    private var shortestRepetition: Self {
        guard case .repetition(let child, let min, let max) = self, max != min else { return self }
        return min == 1 ? child : .repetition(child, min: min, max: min)
    }

    private var flattenedConcat: [Self] {
        guard case .concat(let items) = self else { return [self] }
        return items.flatMap(\.flattenedConcat)
    }

    /// Single-scalar steps and assertions; the alternatives a finite, loop-free pattern spells out
    /// (`^(Order|Invoice)-\d{2}`), or nil if it is not one or too big to be worth it.
    func straightLines(budget: Int = 512) -> [[SafeRegex.LineStep]]? {
        switch self {
        case .empty: return [[]]
        case .scalar(let v): return [[.set(.single(v))]]
        case .set(let set): return [[.set(set)]]
        case .assertion(let a): return [[.assertion(a)]]
        case .alternation(let branches):
            var all: [[SafeRegex.LineStep]] = []
            for branch in branches {
                guard let lines = branch.straightLines(budget: budget) else { return nil }
                all += lines
                if all.count > 16 { return nil }
            }
            return all
        case .concat(let items):
            return Self.product(items, budget: budget)
        case .repetition(let child, let min, let max):
            guard min == max, min <= 64 else { return nil }
            return Self.product(Array(repeating: child, count: min), budget: budget)
        }
    }

    private static func product(_ items: [Self], budget: Int) -> [[SafeRegex.LineStep]]? {
        var lines: [[SafeRegex.LineStep]] = [[]]
        for item in items {
            guard let tails = item.straightLines(budget: budget) else { return nil }
            lines = lines.flatMap { head in tails.map { head + $0 } }
            if lines.count > 16 || lines.reduce(0, { $0 + $1.count }) > budget { return nil }
        }
        return lines
    }
}

extension SafeRegex.Engine {
    /// Chooses how to run `tree`: always true, a few straight lines, or the Pike VM.
    init(_ tree: SafeRegex.Node) throws(SafeRegexError) {
        let cap = SafeRegex.maxProgramSize
        if tree.programSize(cap: cap) >= cap {
            throw SafeRegexError(kind: .tooLarge, message: "pattern compiles to more than \(cap) instructions", offset: 0)
        }
        guard let alternatives = tree.searchAlternatives() else {
            self = .everything
            return
        }
        if let lines = Self.lineMatchers(alternatives) {
            self = .lines(lines)
        } else {
            self = .program(SafeRegex.Program(alternatives))
        }
    }

    /// Matchers for the alternatives if each spells out a few straight lines; nil otherwise.
    private static func lineMatchers(_ alternatives: [SafeRegex.Node]) -> [SafeRegex.LineMatcher]? {
        var matchers: [SafeRegex.LineMatcher] = []
        for alternative in alternatives {
            guard let lines = alternative.straightLines() else { return nil }
            for line in lines {
                guard let matcher = SafeRegex.LineMatcher(line), matchers.count < 16 else { return nil }
                matchers.append(matcher)
            }
        }
        return matchers
    }
}

// MARK: - Compiler

extension SafeRegex {
    /// Emits Thompson-NFA instructions for a syntax tree.
    struct Compiler {
        var code: [Instruction] = []
        var sets: [ScalarSet] = []

        private mutating func append(_ op: Instruction.Op, _ x: Int = 0, _ y: Int = 0) {
            code.append(Instruction(op: op, x: Int32(x), y: Int32(y)))
        }

        mutating func emit(_ node: Node) {
            switch node {
            case .empty:
                break
            case .scalar(let v):
                code.append(Instruction(op: .scalar, x: Int32(bitPattern: v), y: 0))
            case .set(let set):
                sets.append(set)
                append(.set, sets.count - 1)
            case .assertion(let a):
                code.append(Instruction(op: .assert, x: a.rawValue, y: 0))
            case .concat(let items):
                for item in items { emit(item) }
            case .alternation(let branches):
                var exits: [Int] = []
                for branch in branches.dropLast() {
                    let split = code.count
                    append(.split, split + 1)
                    emit(branch)
                    exits.append(code.count)
                    append(.jump)
                    code[split].y = Int32(code.count)
                }
                emit(branches[branches.count - 1])
                for exit in exits { code[exit].x = Int32(code.count) }
            case .repetition(let child, let min, let max):
                emitRepetition(child, min: min, max: max)
            }
        }

        /// The child's code is emitted once and copied (relocated) for further repetitions.
        private mutating func emitRepetition(_ child: Node, min: Int, max: Int?) {
            var template: Range<Int>?
            func one(_ c: inout Compiler) {
                if let template {
                    c.copy(template)
                } else {
                    let start = c.code.count
                    c.emit(child)
                    template = start..<c.code.count
                }
            }
            if let max {
                for _ in 0..<min { one(&self) }
                var exits: [Int] = []
                for _ in min..<max {
                    exits.append(code.count)
                    append(.split, code.count + 1)
                    one(&self)
                }
                for exit in exits { code[exit].y = Int32(code.count) }
            } else if min == 0 {
                let loop = code.count
                append(.split, loop + 1)
                one(&self)
                append(.jump, loop)
                code[loop].y = Int32(code.count)
            } else {
                for _ in 0..<min - 1 { one(&self) }
                let body = code.count
                one(&self)
                append(.split, body, code.count + 1)
            }
        }

        /// Appends a copy of `range`, shifting its jump targets (all inside it or at its end).
        private mutating func copy(_ range: Range<Int>) {
            let delta = Int32(code.count - range.lowerBound)
            for i in range {
                var inst = code[i]
                switch inst.op {
                case .jump: inst.x += delta
                case .split: inst.x += delta; inst.y += delta
                default: break
                }
                code.append(inst)
            }
        }
    }
}
