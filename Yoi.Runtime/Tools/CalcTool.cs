using System.Globalization;
using System.Text.Json;

namespace Yoi.Runtime.Tools;

/// <summary>
/// <c>calc</c>: evaluates <c>{"expression":"(1.5 + 2) * 4 / 3 - -1"}</c> with <see cref="ArithmeticExpression"/>
/// (decimal arithmetic, + - * / unary minus, parentheses). A bad expression is an error result.
/// </summary>
public sealed class CalcTool : ITool
{
    public const string ToolName = "calc";

    public string Name => ToolName;
    public string Description => "Evaluates an arithmetic expression with + - * / parentheses and decimals.";
    public string ParametersSchema =>
        """{"type":"object","properties":{"expression":{"type":"string","description":"e.g. (2 + 3) * 4.5"}},"required":["expression"],"additionalProperties":false}""";

    public ValueTask<ToolOutput> InvokeAsync(string argumentsJson, CancellationToken cancellationToken)
    {
        string? expression;
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(argumentsJson) ? "{}" : argumentsJson);
            expression = document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("expression", out var value) && value.ValueKind == JsonValueKind.String
                    ? value.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return ValueTask.FromResult(ToolOutput.Error("The arguments are not a JSON object."));
        }
        if (expression is null) return ValueTask.FromResult(ToolOutput.Error("The 'expression' argument (a string) is required."));
        return ValueTask.FromResult(ArithmeticExpression.TryEvaluate(expression, out var result, out var error)
            ? ToolOutput.Ok(result.ToString(CultureInfo.InvariantCulture))
            : ToolOutput.Error(error));
    }
}
