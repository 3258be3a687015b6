using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.AI;

namespace Yoi.Runtime.Tools;

/// <summary>
/// <c>calc</c>: evaluates <c>{"expression":"(1.5 + 2) * 4 / 3 - -1"}</c> with <see cref="ArithmeticExpression"/>
/// (decimal arithmetic, + - * / unary minus, parentheses). A bad expression is an error result with the reason.
/// </summary>
public static class CalcTool
{
    public const string ToolName = "calc";

    public static AIFunction Create() => AIFunctionFactory.Create(
        ([Description("e.g. (2 + 3) * 4.5")] string expression) =>
            ArithmeticExpression.TryEvaluate(expression, out var result, out var error)
                ? result.ToString(CultureInfo.InvariantCulture)
                : throw new ToolException(error),
        ToolName, "Evaluates an arithmetic expression with + - * / parentheses and decimals.");
}
