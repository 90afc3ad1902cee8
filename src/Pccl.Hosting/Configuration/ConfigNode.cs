namespace Pccl.Hosting.Configuration;

/// <summary>A YAML node with the 1-based position where it starts, so every problem can name its line.</summary>
internal abstract record ConfigNode(int Line, int Column)
{
    /// <summary>What this node is, for "got a ..." messages.</summary>
    public abstract string Kind { get; }
}

/// <summary>A scalar; <see cref="IsNull"/> for a plain empty, <c>~</c> or <c>null</c>.</summary>
internal sealed record ConfigScalarNode(int Line, int Column, string Value, bool IsNull) : ConfigNode(Line, Column)
{
    public override string Kind => "a single value";
}

/// <summary>A mapping, entries in file order (duplicates kept so they can be reported).</summary>
internal sealed record ConfigMappingNode(int Line, int Column, IReadOnlyList<KeyValuePair<ConfigNode, ConfigNode>> Entries)
    : ConfigNode(Line, Column)
{
    public override string Kind => "a mapping";
}

/// <summary>A sequence.</summary>
internal sealed record ConfigSequenceNode(int Line, int Column, IReadOnlyList<ConfigNode> Items) : ConfigNode(Line, Column)
{
    public override string Kind => "a list";
}
