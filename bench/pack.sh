#!/usr/bin/env bash
# Packs InitLab's NuGet packages into artifacts/packages, and with --check tests them as a user
# would install them.
#
#   bench/pack.sh                      # dotnet pack -c Release -o artifacts/packages
#   bench/pack.sh --check [DATA_DIR]   # then install and run them from that local feed
#
# Packages (version from Directory.Build.props):
#   InitLab.Tensors            the engine (tensors, GEMM)
#   InitLab                    the library (assembly InitLab.Core), depends on InitLab.Tensors
#   InitLab.Cli                the `initlab` tool: a pointer package, plus
#   InitLab.Cli.<rid>          one package per platform (linux-x64, linux-arm64, osx-arm64, win-x64)
# Tests and benchmarks set IsPackable=false, so packing the solution packs exactly these.
#
# --check, in a fresh temporary folder with its own NuGet package cache (so a package of the same
# version packed earlier cannot shadow the one just packed):
#   1. dotnet tool install --tool-path ./tools --add-source artifacts/packages InitLab.Cli
#      then `./tools/initlab seed --data DATA_DIR` must print the note's first line and accuracy,
#      and `initlab inspect --plot` must write a PNG (SkiaSharp's native library loads);
#   2. a new console project takes the library by PackageReference from the same feed, builds
#      samples/QuickStart/Program.cs (the README's C# quick start) and trains one epoch on DATA_DIR.
# DATA_DIR defaults to ../shared/datasets/mnist-20k (relative to the repository root).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
feed="$root/artifacts/packages"
version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n 1)"

rm -rf "$feed"
dotnet pack InitLab.sln -c Release -o "$feed"
echo
echo "packages in $feed:"
ls -l "$feed"

[[ "${1:-}" == "--check" ]] || exit 0
data="$(cd "${2:-$root/../shared/datasets/mnist-20k}" && pwd)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export NUGET_PACKAGES="$work/nuget-packages"
cd "$work"

echo
echo "== tool: dotnet tool install --tool-path ./tools --add-source $feed InitLab.Cli --version $version"
dotnet tool install --tool-path ./tools --add-source "$feed" InitLab.Cli --version "$version"
./tools/initlab seed --data "$data" | tee seed.txt
head -n 1 seed.txt | grep -qx 'Parameter containing:' || { echo "pack: unexpected first line of seed" >&2; exit 1; }
grep -qx 'Accuracy: 0.9610999822616577' seed.txt || { echo "pack: seed's accuracy line differs" >&2; exit 1; }
# A PNG plot loads SkiaSharp's native library, which now comes from the platform package only.
./tools/initlab inspect --data "$data" --layers 784,64,64,10 --plot inspect.png >/dev/null
[[ -s inspect.png ]] || { echo "pack: inspect --plot wrote no PNG" >&2; exit 1; }
echo "tool: ok"

echo
echo "== library: dotnet add package InitLab --version $version"
dotnet new console -o app --framework net10.0 >/dev/null
cd app
dotnet new nugetconfig >/dev/null
dotnet nuget add source "$feed" --name initlab-local --configfile nuget.config >/dev/null
dotnet add package InitLab --version "$version"
# The README's C# quick start, built against the packaged library and run for one epoch.
cp "$root/samples/QuickStart/Program.cs" Program.cs
dotnet run -c Release -- "$data" 1 | tee run.txt
grep -Eq '^epoch 1/1: cost [0-9.]+, test accuracy' run.txt || { echo "pack: the quick start printed no epoch line" >&2; exit 1; }
grep -q '^saved quickstart.safetensors' run.txt && test -s quickstart.safetensors || { echo "pack: the quick start saved no model" >&2; exit 1; }
echo "library: ok"
