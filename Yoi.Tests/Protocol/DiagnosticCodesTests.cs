using System.Reflection;
using System.Text.RegularExpressions;
using Yoi.Protocol;
using Yoi.Tests.Processes;

namespace Yoi.Tests.Protocol;

public sealed class DiagnosticCodesTests
{
    private static IReadOnlyList<string> Declared() =>
    [
        .. typeof(DiagnosticCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!),
    ];

    [Fact]
    public void Every_declared_code_is_in_the_diagnostic_codes_table_of_protocol_md_and_every_code_there_is_declared()
    {
        var protocol = File.ReadAllText(Path.Combine(BuiltArtifacts.RepositoryRoot, "docs", "protocol.md"));
        var table = protocol[protocol.IndexOf("### Diagnostic codes (`DiagnosticCodes`)", StringComparison.Ordinal)..];
        table = table[..table.IndexOf("\n\n", table.IndexOf("| where", StringComparison.Ordinal), StringComparison.Ordinal)];
        var documented = Regex.Matches(table, "`([a-z_]+)`").Select(m => m.Groups[1].Value).Where(c => c != "diagnostic").ToHashSet();
        Assert.Equal(Declared().Order(), documented.Order());
    }

    [Fact]
    public void Codes_are_distinct_snake_case()
    {
        var codes = Declared();
        Assert.Equal(codes.Count, codes.Distinct().Count());
        Assert.All(codes, c => Assert.Matches("^[a-z]+(_[a-z]+)*$", c));
    }
}
