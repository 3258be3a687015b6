using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Yoi.Runtime.Tools;

/// <summary>
/// A small recursive-descent evaluator, safe on any input: bounded length and nesting, decimal arithmetic, no
/// variables or functions. Grammar: <c>expr = term (('+'|'-') term)*</c>, <c>term = unary (('*'|'/') unary)*</c>,
/// <c>unary = '-' unary | '+' unary | primary</c>, <c>primary = number | '(' expr ')'</c>, numbers like <c>12</c>,
/// <c>3.25</c>, <c>.5</c>.
/// </summary>
public static class ArithmeticExpression
{
    public const int MaxLength = 1000;
    public const int MaxDepth = 64;

    public static bool TryEvaluate(string expression, out decimal result, [NotNullWhen(false)] out string? error)
    {
        result = 0;
        if (expression.Length > MaxLength) { error = $"The expression is longer than {MaxLength} characters."; return false; }
        var parser = new Parser(expression);
        try
        {
            parser.SkipSpaces();
            if (parser.AtEnd) { error = "The expression is empty."; return false; }
            result = parser.Expression(0);
            parser.SkipSpaces();
            if (!parser.AtEnd) { error = $"Unexpected '{expression[parser.Position]}' at position {parser.Position + 1}."; return false; }
            result /= 1.000000000000000000000000000000000m; // drops trailing zeros (2.50 -> 2.5)
            error = null;
            return true;
        }
        catch (FormatException ex) { error = ex.Message; return false; }
        catch (DivideByZeroException) { error = "Division by zero."; return false; }
        catch (OverflowException) { error = "The result is too large."; return false; }
    }

    private ref struct Parser(string text)
    {
        private readonly string _text = text;
        public int Position;

        public readonly bool AtEnd => Position >= _text.Length;

        public void SkipSpaces()
        {
            while (Position < _text.Length && char.IsWhiteSpace(_text[Position])) Position++;
        }

        private bool Take(char c)
        {
            SkipSpaces();
            if (Position < _text.Length && _text[Position] == c) { Position++; return true; }
            return false;
        }

        public decimal Expression(int depth)
        {
            if (depth > MaxDepth) throw new FormatException($"The expression is nested deeper than {MaxDepth} levels.");
            var value = Term(depth);
            while (true)
            {
                if (Take('+')) value += Term(depth);
                else if (Take('-')) value -= Term(depth);
                else return value;
            }
        }

        private decimal Term(int depth)
        {
            var value = Unary(depth);
            while (true)
            {
                if (Take('*')) value *= Unary(depth);
                else if (Take('/')) value /= Unary(depth);
                else return value;
            }
        }

        private decimal Unary(int depth)
        {
            if (depth > MaxDepth) throw new FormatException($"The expression is nested deeper than {MaxDepth} levels.");
            if (Take('-')) return -Unary(depth + 1);
            if (Take('+')) return Unary(depth + 1);
            return Primary(depth);
        }

        private decimal Primary(int depth)
        {
            if (Take('('))
            {
                var inner = Expression(depth + 1);
                if (!Take(')')) throw new FormatException(AtEnd ? "Missing ')' at the end." : $"Expected ')' at position {Position + 1}.");
                return inner;
            }
            SkipSpaces();
            var start = Position;
            var dot = false;
            while (Position < _text.Length && (char.IsAsciiDigit(_text[Position]) || (_text[Position] == '.' && !dot)))
            {
                if (_text[Position] == '.') dot = true;
                Position++;
            }
            var number = _text.AsSpan(start, Position - start);
            if (number.IsEmpty || number is ".")
                throw new FormatException(AtEnd ? "The expression ends where a number was expected." : $"Expected a number at position {start + 1}.");
            return decimal.Parse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        }
    }
}
