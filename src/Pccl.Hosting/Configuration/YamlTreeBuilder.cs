using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Pccl.Hosting.Configuration;

/// <summary>
/// Builds a <see cref="ConfigNode"/> tree from YamlDotNet parser events. Parser events rather than the
/// representation model because they keep duplicate keys (reported, not thrown) and every node's position.
/// </summary>
internal static partial class YamlTreeBuilder
{
    /// <summary>The document's root, or null when the file is empty or not YAML (then a problem is added).</summary>
    public static ConfigNode? Build(string text, string path, ConfigProblems problems)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, ConfigNode>(StringComparer.Ordinal);
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadNode(parser, anchors);
            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var next))
            {
                problems.Add(At(path, next.Start), "a configuration file holds one YAML document; remove the second '---'");
            }

            return root;
        }
        catch (YamlException e)
        {
            problems.Add(At(path, e.Start), "YAML syntax error: " + MarkPrefix().Replace(e.Message, ""));
            return null;
        }
    }

    private static FileOrigin At(string path, Mark mark) => new(path, (int)mark.Line, (int)mark.Column);

    private static ConfigNode ReadNode(IParser parser, Dictionary<string, ConfigNode> anchors)
    {
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            return anchors.TryGetValue(alias.Value.Value, out var target)
                ? target
                : throw new YamlException(alias.Start, alias.End, $"alias '*{alias.Value.Value}' refers to no anchor");
        }

        NodeEvent start;
        ConfigNode node;
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            start = scalar;
            node = new ConfigScalarNode((int)scalar.Start.Line, (int)scalar.Start.Column, scalar.Value, IsNull(scalar));
        }
        else if (parser.TryConsume<MappingStart>(out var mappingStart))
        {
            start = mappingStart;
            var entries = new List<KeyValuePair<ConfigNode, ConfigNode>>();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var key = ReadNode(parser, anchors);
                entries.Add(new(key, ReadNode(parser, anchors)));
            }

            node = new ConfigMappingNode((int)mappingStart.Start.Line, (int)mappingStart.Start.Column, entries);
        }
        else if (parser.TryConsume<SequenceStart>(out var sequenceStart))
        {
            start = sequenceStart;
            var items = new List<ConfigNode>();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                items.Add(ReadNode(parser, anchors));
            }

            node = new ConfigSequenceNode((int)sequenceStart.Start.Line, (int)sequenceStart.Start.Column, items);
        }
        else
        {
            var current = parser.Current!;
            throw new YamlException(current.Start, current.End, $"unexpected {current.GetType().Name}");
        }

        if (!start.Anchor.IsEmpty)
        {
            anchors[start.Anchor.Value] = node;
        }

        return node;
    }

    private static bool IsNull(Scalar scalar) =>
        scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL";

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex MarkPrefix();
}
