using InitLab.Data;
using InitLab.Rbm;

namespace InitLab.Init;

/// <summary>
/// What data-driven initializers (LSUV, DBN pretraining) may look at: the training data, a
/// held-out set for monitoring, where to report pretraining progress, and a token that stops
/// pretraining between mini-batches (an <see cref="OperationCanceledException"/>; the network is
/// then left half-initialized and should be discarded). Their GEMMs use the caller's
/// <see cref="InitLab.Tensors.Compute"/> scope.
/// </summary>
/// <param name="Train">The training split LSUV and DBN initialize from (null when the plan needs no data).</param>
/// <param name="HeldOut">Held-out data for DBN pretraining's monitoring figures, or null.</param>
/// <param name="RbmProgress">Where DBN pretraining reports each RBM epoch, or null.</param>
/// <param name="Cancel">Stops DBN pretraining between batches (an OperationCanceledException).</param>
public sealed record InitContext(Dataset? Train, Dataset? HeldOut = null, IProgress<RbmEpochReport>? RbmProgress = null,
    CancellationToken Cancel = default);
