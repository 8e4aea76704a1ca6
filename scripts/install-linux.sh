#!/usr/bin/env bash
# Install a PyInstaller one-folder build of AppStream Launcher for the current user,
# or remove such an installation.
#
# Usage:
#   scripts/install-linux.sh [BUILD_DIR]   install (default BUILD_DIR: dist/AppStream Launcher)
#   scripts/install-linux.sh --uninstall   remove everything that an install created
#
# Installed files, where DATA is $XDG_DATA_HOME (default ~/.local/share):
#   ~/.local/lib/appstream-launcher/                 copy of BUILD_DIR
#   ~/.local/bin/appstream-launcher                  symbolic link to the executable
#   DATA/icons/hicolor/<N>x<N>/apps/appstream-launcher.png, and scalable/apps/appstream-launcher.svg
#   DATA/applications/<app id>.desktop               Exec and TryExec set to the executable
#   DATA/metainfo/<app id>.metainfo.xml
#
# Icons, desktop entry and metainfo are read from resources/ next to this script's folder,
# so run the script from a repository checkout.

set -euo pipefail

readonly APP_ID="io.github.appstream_launcher.AppStreamLauncher"
readonly ICON_NAME="appstream-launcher"
readonly COMMAND_NAME="appstream-launcher"
readonly DEFAULT_BUILD_NAME="AppStream Launcher"

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(dirname -- "$script_dir")
readonly resources_dir="$repo_root/resources"

die() {
    printf 'install-linux.sh: error: %s\n' "$*" >&2
    exit 1
}

warn() {
    printf 'install-linux.sh: warning: %s\n' "$*" >&2
}

usage() {
    cat <<EOF
Usage: $0 [BUILD_DIR]
       $0 --uninstall

Install the PyInstaller one-folder build BUILD_DIR of AppStream Launcher for the current
user, or remove that installation with --uninstall.

BUILD_DIR defaults to "$repo_root/dist/$DEFAULT_BUILD_NAME".
Files go under \$HOME/.local and \${XDG_DATA_HOME:-\$HOME/.local/share}.
EOF
}

# --- Installation paths ---------------------------------------------------------------

[[ -n "${HOME:-}" ]] || die "HOME is not set. Set it to your home folder and run again."

data_home="${XDG_DATA_HOME:-}"
if [[ -z "$data_home" ]]; then
    data_home="$HOME/.local/share"
elif [[ "$data_home" != /* ]]; then
    # The XDG Base Directory Specification (0.7 and later) requires absolute paths and
    # directs implementations to ignore a relative one as invalid.
    warn "ignoring XDG_DATA_HOME='$data_home' because it is not an absolute path"
    data_home="$HOME/.local/share"
fi

readonly lib_dir="$HOME/.local/lib/appstream-launcher"
readonly lib_staging_dir="$lib_dir.new.$$"
readonly bin_link="$HOME/.local/bin/$COMMAND_NAME"
readonly icon_theme_dir="$data_home/icons/hicolor"
readonly desktop_file="$data_home/applications/$APP_ID.desktop"
readonly metainfo_file="$data_home/metainfo/$APP_ID.metainfo.xml"

# --- Helpers --------------------------------------------------------------------------

# Print a path as a quoted argument for the Exec key of a desktop entry.
# The Desktop Entry Specification 1.4 ("The Exec key") requires a backslash before ", `, $
# and \ inside a quoted argument and "%%" for a literal "%". Because Exec is also a string
# value, every backslash is then escaped once more.
quote_desktop_exec_argument() {
    local value=$1
    local backslash=\\

    value=${value//"$backslash"/"$backslash$backslash"}
    value=${value//'"'/"$backslash\""}
    value=${value//'`'/"$backslash\`"}
    value=${value//'$'/"$backslash\$"}
    value=${value//'%'/'%%'}
    value=${value//"$backslash"/"$backslash$backslash"}
    printf '"%s"' "$value"
}

# Print a path escaped as a desktop entry string value (used for TryExec).
escape_desktop_string() {
    local value=$1
    local backslash=\\
    printf '%s' "${value//"$backslash"/"$backslash$backslash"}"
}

# Print the executable of the one-folder build in $1. PyInstaller names it after the
# spec's "name", which is also the build folder name.
find_build_executable() {
    local build_dir=$1
    local candidate
    for candidate in "$(basename -- "$build_dir")" "$COMMAND_NAME" "$DEFAULT_BUILD_NAME"; do
        if [[ -f "$build_dir/$candidate" && -x "$build_dir/$candidate" ]]; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    return 1
}

# Succeed if $bin_link is a symbolic link into $lib_dir, so it is ours to replace or delete.
bin_link_is_ours() {
    [[ -L "$bin_link" ]] || return 1
    local target
    target=$(readlink -- "$bin_link")
    [[ "$target" == "$lib_dir/"* ]]
}

refresh_desktop_caches() {
    if command -v update-desktop-database >/dev/null 2>&1 && [[ -d "$data_home/applications" ]]; then
        update-desktop-database -q "$data_home/applications" \
            || warn "update-desktop-database failed for $data_home/applications"
    fi

    if [[ -d "$icon_theme_dir" ]]; then
        # Like xdg-icon-resource from xdg-utils, touch the theme folder so that icon loaders
        # that watch its modification time rescan it. An icon cache is only refreshed,
        # never created, because a stale per-user cache that later installs do not
        # update would hide their icons.
        touch -- "$icon_theme_dir"
        if [[ -f "$icon_theme_dir/icon-theme.cache" ]] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
            gtk-update-icon-cache --quiet --force --ignore-theme-index "$icon_theme_dir" \
                || warn "gtk-update-icon-cache failed for $icon_theme_dir"
        fi
    fi
}

# --- Install --------------------------------------------------------------------------

check_resources() {
    local required
    for required in \
        "$resources_dir/$APP_ID.desktop" \
        "$resources_dir/$APP_ID.metainfo.xml" \
        "$resources_dir/icon.svg"; do
        [[ -f "$required" ]] || die "resource file not found: $required. Run this script from a complete repository checkout."
    done

    if ! compgen -G "$resources_dir/icons/hicolor/*/apps/$ICON_NAME.png" >/dev/null; then
        die "no PNG icons found under $resources_dir/icons/hicolor. Generate them with: python scripts/make_icons.py"
    fi
}

install_app_folder() {
    local build_dir=$1

    mkdir -p -- "$(dirname -- "$lib_dir")"
    rm -rf -- "$lib_staging_dir"
    # Copy into a staging folder first, so a failed copy leaves an earlier install intact.
    trap 'rm -rf -- "$lib_staging_dir"' EXIT
    cp -R -- "$build_dir" "$lib_staging_dir"
    rm -rf -- "$lib_dir"
    mv -- "$lib_staging_dir" "$lib_dir"
    trap - EXIT
}

install_icons() {
    local source size_dir
    for source in "$resources_dir"/icons/hicolor/*/apps/"$ICON_NAME.png"; do
        size_dir=$(basename -- "$(dirname -- "$(dirname -- "$source")")")
        install -D -m 644 -- "$source" "$icon_theme_dir/$size_dir/apps/$ICON_NAME.png"
    done
    install -D -m 644 -- "$resources_dir/icon.svg" "$icon_theme_dir/scalable/apps/$ICON_NAME.svg"
}

install_desktop_file() {
    local executable=$1

    mkdir -p -- "$(dirname -- "$desktop_file")"
    # awk reads the values from the environment because "awk -v" would expand the
    # backslash escapes in them.
    DESKTOP_EXEC="$(quote_desktop_exec_argument "$executable")" \
    DESKTOP_TRY_EXEC="$(escape_desktop_string "$executable")" \
        awk '
            /^\[/ { in_main_group = ($0 == "[Desktop Entry]") }
            in_main_group && /^Exec=/ { print "Exec=" ENVIRON["DESKTOP_EXEC"]; next }
            in_main_group && /^TryExec=/ { print "TryExec=" ENVIRON["DESKTOP_TRY_EXEC"]; next }
            { print }
        ' "$resources_dir/$APP_ID.desktop" >"$desktop_file.tmp"
    chmod 644 -- "$desktop_file.tmp"
    mv -- "$desktop_file.tmp" "$desktop_file"
}

install_app() {
    local build_dir=$1

    if [[ ! -d "$build_dir" ]]; then
        die "build folder not found: $build_dir. Build the app with PyInstaller first (one-folder mode), or pass the path of the build folder as the argument."
    fi
    build_dir=$(cd -- "$build_dir" && pwd -P)

    local executable_name
    executable_name=$(find_build_executable "$build_dir") \
        || die "no executable found in $build_dir: expected '$(basename -- "$build_dir")', '$COMMAND_NAME' or '$DEFAULT_BUILD_NAME'. Pass the PyInstaller one-folder build folder, e.g. 'dist/$DEFAULT_BUILD_NAME'."

    # The Exec key escapes "%" as "%%", but GLib 2.74 fails to load an entry whose
    # program path contains "%%", so paths with "%" are rejected like line breaks.
    local executable="$lib_dir/$executable_name"
    case "$executable" in
        *$'\n'* | *%*)
            die "the program path $executable contains a line break or '%', which a desktop entry cannot reference. Use a HOME and a build folder name without them."
            ;;
    esac

    local lib_dir_real=""
    if [[ -d "$lib_dir" ]]; then
        lib_dir_real=$(cd -- "$lib_dir" && pwd -P)
    fi
    if [[ "$build_dir" == "$lib_dir_real" ]]; then
        die "the build folder $build_dir is the install location itself. Pass the folder that PyInstaller wrote, e.g. 'dist/$DEFAULT_BUILD_NAME'."
    fi

    if [[ -e "$bin_link" || -L "$bin_link" ]] && ! bin_link_is_ours; then
        die "$bin_link already exists and is not a link into $lib_dir. Remove it first (if pip installed it: pip uninstall appstream-launcher), then run this script again."
    fi

    check_resources

    install_app_folder "$build_dir"

    mkdir -p -- "$(dirname -- "$bin_link")"
    ln -sfn -- "$executable" "$bin_link"

    install_icons
    install_desktop_file "$executable"
    install -D -m 644 -- "$resources_dir/$APP_ID.metainfo.xml" "$metainfo_file"

    refresh_desktop_caches

    printf 'Installed AppStream Launcher:\n'
    printf '  program:       %s\n' "$executable"
    printf '  command:       %s\n' "$bin_link"
    printf '  desktop entry: %s\n' "$desktop_file"
    printf '  metainfo:      %s\n' "$metainfo_file"
    printf '  icons:         %s\n' "$icon_theme_dir"
    case ":${PATH:-}:" in
        *":$HOME/.local/bin:"*) ;;
        *) printf 'Note: %s is not in PATH, so the command "%s" only works with its full path.\n' \
            "$HOME/.local/bin" "$COMMAND_NAME" ;;
    esac
}

# --- Uninstall ------------------------------------------------------------------------

uninstall_app() {
    if bin_link_is_ours; then
        rm -f -- "$bin_link"
    elif [[ -e "$bin_link" || -L "$bin_link" ]]; then
        warn "left $bin_link in place because it does not link into $lib_dir"
    fi

    rm -rf -- "$lib_dir"
    rm -f -- "$desktop_file" "$metainfo_file"

    local icon apps_dir
    for icon in "$icon_theme_dir"/*/apps/"$ICON_NAME".png "$icon_theme_dir"/*/apps/"$ICON_NAME".svg; do
        [[ -e "$icon" ]] || continue
        rm -f -- "$icon"
        apps_dir=$(dirname -- "$icon")
        # Remove the size folders an install created, but only when nothing else is in them.
        rmdir --ignore-fail-on-non-empty -- "$apps_dir" "$(dirname -- "$apps_dir")"
    done

    refresh_desktop_caches
    printf 'Uninstalled AppStream Launcher from %s and %s\n' "$HOME/.local" "$data_home"
}

# --- Main -----------------------------------------------------------------------------

main() {
    local mode=install
    local build_dir=""

    while (($# > 0)); do
        case "$1" in
            -h | --help)
                usage
                return 0
                ;;
            --uninstall)
                mode=uninstall
                ;;
            --)
                shift
                break
                ;;
            -*)
                usage >&2
                die "unknown option: $1"
                ;;
            *)
                [[ -z "$build_dir" ]] || die "expected one BUILD_DIR, got '$build_dir' and '$1'"
                build_dir=$1
                ;;
        esac
        shift
    done
    if (($# > 0)); then
        [[ -z "$build_dir" && $# -eq 1 ]] || die "expected one BUILD_DIR after --"
        build_dir=$1
    fi

    if [[ "$mode" == uninstall ]]; then
        [[ -z "$build_dir" ]] || die "--uninstall takes no BUILD_DIR, got '$build_dir'"
        uninstall_app
    else
        install_app "${build_dir:-$repo_root/dist/$DEFAULT_BUILD_NAME}"
    fi
}

main "$@"
