using Yoi.Runtime.Tools;

namespace Yoi.Tests.Runtime;

public sealed class ArithmeticExpressionTests
{
    [Theory]
    [InlineData("1 + 2", "3")]
    [InlineData("2 + 3 * 4", "14")]
    [InlineData("(2 + 3) * 4", "20")]
    [InlineData("10 / 4", "2.5")]
    [InlineData("-3 - -2", "-1")]
    [InlineData("1.5 * .5", "0.75")]
    [InlineData("((((7))))", "7")]
    [InlineData("0.1 + 0.2", "0.3")]
    [InlineData(" 8 / 2 / 2 ", "2")]
    public void Valid_expressions_evaluate_with_decimal_arithmetic(string expression, string expected)
    {
        Assert.True(ArithmeticExpression.TryEvaluate(expression, out var result, out var error), error);
        Assert.Equal(expected, result.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("1 +", "ends")]
    [InlineData("(1 + 2", "Missing ')'")]
    [InlineData("1 / 0", "Division by zero")]
    [InlineData("2 ^ 3", "Unexpected '^'")]
    [InlineData("abc", "Expected a number")]
    [InlineData("1..2", "Unexpected '.'")]
    [InlineData("99999999999999999999999999999 * 99999999999999999999999999999", "too large")]
    public void Invalid_expressions_are_errors_not_exceptions(string expression, string message)
    {
        Assert.False(ArithmeticExpression.TryEvaluate(expression, out _, out var error));
        Assert.Contains(message, error);
    }

    [Fact]
    public void Deep_nesting_and_long_input_are_rejected_safely()
    {
        Assert.False(ArithmeticExpression.TryEvaluate(new string('(', 200) + "1" + new string(')', 200), out _, out var deep));
        Assert.Contains("nested", deep);
        Assert.False(ArithmeticExpression.TryEvaluate(string.Join("+", Enumerable.Repeat("1", 600)), out _, out var tooLong));
        Assert.Contains("longer", tooLong);
    }

    [Fact]
    public async Task The_calc_tool_reads_its_expression_argument_and_reports_bad_arguments_as_errors()
    {
        var tools = ToolSet.BuiltIn();
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(ToolOutput.Ok("6"), await tools.InvokeAsync("calc", """{"expression":"1+2+3"}""", ct));
        Assert.Equal(ToolOutput.Error("Division by zero."), await tools.InvokeAsync("calc", """{"expression":"1/0"}""", ct));
        Assert.True((await tools.InvokeAsync("calc", """{"expr":"1"}""", ct)).IsError);
        Assert.Equal(ToolOutput.Error("The arguments are not a JSON object."), await tools.InvokeAsync("calc", "not json", ct));
        Assert.Equal(ToolOutput.Error("The arguments are not a JSON object."), await tools.InvokeAsync("calc", "[1]", ct));
        Assert.Equal(ToolOutput.Error("Unknown tool 'rm'."), await tools.InvokeAsync("rm", "{}", ct));
    }

    [Fact]
    public async Task Host_tools_are_AIFunctions_beside_the_built_in_ones_and_a_duplicate_name_is_refused()
    {
        var echo = Microsoft.Extensions.AI.AIFunctionFactory.Create((string text, int times) => string.Concat(Enumerable.Repeat(text, times)), "echo", "Repeats text.");
        var tools = ToolSet.BuiltIn(hostTools: [echo]);
        Assert.Equal(["clock", "calc", "echo"], tools.All.Select(t => t.Name));
        Assert.Equal(ToolOutput.Ok("abab"), await tools.InvokeAsync("echo", """{"text":"ab","times":2}""", TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentException>(() => ToolSet.BuiltIn(hostTools: [CalcTool.Create()]));
    }
}
