# The steps of build-ppkg.cmd, for Windows PowerShell 5.1 (written by Joinery from
# resources/provisioning/build-ppkg.ps1). The batch part above starts this part, and deletes
# a project holding secrets only when it ends with exit 0. Any failure calls Stop-Build:
# a message, the working copy removed, the project kept, a non-zero exit status.
$ErrorActionPreference = 'Stop'
$Work = $null
$PasswordFile = $null
$PasswordWritten = $false
# The package's values (PowerShell literals Joinery writes):
#@VALUES@
$Me = [Security.Principal.WindowsIdentity]::GetCurrent().Name

function Stop-Build([string]$Message, [int]$Code = 1) {
    [Console]::Error.WriteLine("build-ppkg: $Message")
    [Console]::Error.WriteLine("build-ppkg: the project folder $env:JOINERY_PROJECT was kept.")
    if ($PasswordWritten -and (Test-Path -LiteralPath $PasswordFile)) {
        Remove-Item -LiteralPath $PasswordFile -Force -ErrorAction SilentlyContinue
    }
    if ($Work -and (Test-Path -LiteralPath $Work)) {
        Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
    }
    exit $Code
}

function Protect-ForMe([string]$Path, [switch]$Folder) {
    # Only the current user may open it (the Windows form of mode 0600/0700).
    $grant = if ($Folder) { "$($Me):(OI)(CI)F" } else { "$($Me):F" }
    & icacls.exe $Path /inheritance:r /grant:r $grant | Out-Null
    if ($LASTEXITCODE -ne 0) { Stop-Build "cannot make $Path readable by $Me only (icacls failed)." }
}

function Assert-Elevated {
    $principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
    if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
        Stop-Build 'run build-ppkg.cmd from an elevated prompt (Run as administrator): icd.exe needs it.'
    }
}

function Find-Icd {
    $tried = @()
    if ($env:JOINERY_ICD) {
        if (Test-Path -LiteralPath $env:JOINERY_ICD -PathType Leaf) { return $env:JOINERY_ICD }
        $tried += "JOINERY_ICD ($env:JOINERY_ICD)"
    }
    foreach ($key in @('HKLM:\SOFTWARE\Microsoft\Windows Kits\Installed Roots', 'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows Kits\Installed Roots')) {
        $root = (Get-ItemProperty -LiteralPath $key -Name KitsRoot10 -ErrorAction SilentlyContinue).KitsRoot10
        if ($root) {
            $candidate = Join-Path $root $AdkIcd
            if (Test-Path -LiteralPath $candidate -PathType Leaf) { return $candidate }
            $tried += $candidate
        }
    }
    $app = $null
    if (Get-Command Get-AppxPackage -ErrorAction SilentlyContinue) {
        $app = Get-AppxPackage -Name $StoreApp -ErrorAction SilentlyContinue | Select-Object -First 1
    }
    if ($app) {
        $candidate = Join-Path $app.InstallLocation 'ICD.exe'
        if (Test-Path -LiteralPath $candidate -PathType Leaf) { return $candidate }
        $tried += $candidate
    }
    $onPath = Get-Command 'icd.exe' -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($onPath) { return $onPath.Source }
    $where = if ($tried) { ' Looked at: ' + ($tried -join '; ') + '.' } else { '' }
    Stop-Build ('icd.exe not found. Install the Windows ADK (Imaging and Configuration Designer) or Windows Configuration Designer from the Microsoft Store, or set JOINERY_ICD to the full path of ICD.exe.' + $where) 9009
}

function Find-StoreFile([string]$Icd) {
    if ($env:JOINERY_STOREFILE) {
        if (Test-Path -LiteralPath $env:JOINERY_STOREFILE -PathType Leaf) { return $env:JOINERY_STOREFILE }
        Stop-Build "JOINERY_STOREFILE names $env:JOINERY_STOREFILE, which does not exist."
    }
    $folder = Split-Path -Parent $Icd
    $beside = Join-Path $folder $DesktopStore
    if (Test-Path -LiteralPath $beside -PathType Leaf) { return $beside }
    $found = Get-ChildItem -LiteralPath $folder -Recurse -Filter $DesktopStore -File -ErrorAction SilentlyContinue | Select-Object -First 1
    if ($found) { return $found.FullName }
    Stop-Build "$DesktopStore is not beside $Icd. Without it icd.exe loads only the settings common to all Windows editions and drops desktop ones (ProvisioningCommands, SharedPC, CleanPC). Repair the ADK or Windows Configuration Designer, or set JOINERY_STOREFILE."
}

function Get-OutputPath {
    $project = $env:JOINERY_PROJECT.TrimEnd('\')
    $output = $env:JOINERY_OUTPUT
    if (-not $output) { $output = Join-Path (Split-Path -Parent $project) "$Stem.ppkg" }
    $output = [IO.Path]::GetFullPath($output)
    if ($Secrets -and $output.StartsWith($project + '\', [StringComparison]::OrdinalIgnoreCase)) {
        Stop-Build "the output $output is inside the project folder, which is deleted after the build (it holds secrets): choose a path outside it."
    }
    return $output
}

function New-WorkFolder {
    # icd.exe mishandles long paths and spaces: a short name at the root of the system drive.
    do {
        $name = 'jppkg-' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
        $path = Join-Path ($env:SystemDrive + '\') $name
    } while (Test-Path -LiteralPath $path)
    if ($path.Contains(' ')) { Stop-Build "the working folder $path has a space, which icd.exe mishandles." }
    New-Item -ItemType Directory -Path $path | Out-Null
    Protect-ForMe $path -Folder
    return $path
}

function Copy-Project([string]$Into) {
    $copy = Join-Path $Into 'p'
    New-Item -ItemType Directory -Path $copy | Out-Null
    Get-ChildItem -LiteralPath $env:JOINERY_PROJECT -Force | Copy-Item -Destination $copy -Recurse -Force
    return $copy
}

function Set-AbsolutePaths([string]$Xml, [string]$Root) {
    $doc = New-Object System.Xml.XmlDocument
    $doc.PreserveWhitespace = $true
    $doc.Load($Xml)
    $changed = 0
    foreach ($node in @($doc.SelectNodes('//*'))) {
        if ($PathSettings -notcontains $node.LocalName -or $node.ChildNodes.Count -ne 1 -or $node.FirstChild.NodeType -ne 'Text') { continue }
        $value = $node.InnerText.Trim()
        if (-not $value) { continue }
        $full = if ([IO.Path]::IsPathRooted($value)) { $value } else { Join-Path $Root $value }
        if (-not (Test-Path -LiteralPath $full -PathType Leaf)) {
            Stop-Build "customizations.xml names $value in $($node.LocalName), but there is no such file at $full. Put the file into the project folder (payload\) and run again."
        }
        if ($full -ne $value) {
            $node.InnerText = $full
            $changed++
        }
    }
    $doc.Save($Xml)
    return $changed
}

function Test-Payload([string]$Root) {
    foreach ($name in $PayloadNames) {
        if (-not (Test-Path -LiteralPath (Join-Path $Root "payload\$name") -PathType Leaf)) {
            Stop-Build "the payload file $name is missing from the project's payload folder."
        }
    }
}

function Invoke-Icd([string]$Icd, [string]$Xml, [string]$Package, [string]$Store) {
    $arguments = @('/Build-ProvisioningPackage', "/CustomizationXML:$Xml", "/PackagePath:$Package", "/StoreFile:$Store")
    if ($Encrypt) { $arguments += '+Encrypted' }
    $arguments += '+Overwrite'
    $ErrorActionPreference = 'Continue'
    $lines = @(& $Icd @arguments 2>&1 | ForEach-Object { "$_" })
    $code = $LASTEXITCODE
    # icd.exe prints the generated .ppkg password: lines naming a password never reach the screen.
    $lines | Where-Object { $_ -notmatch 'password' } | ForEach-Object { Write-Host "  icd.exe: $_" }
    if ($code -ne 0) { Stop-Build "icd.exe failed with exit code $code (its output is above)." }
    return $lines
}

function Save-PackagePassword([string[]]$Lines, [string]$File) {
    $secret = @($Lines | Where-Object { $_ -match 'password' })
    if ($secret.Count -eq 0) {
        $log = "$File.icd-output.txt"
        New-Item -ItemType File -Path $log -Force | Out-Null
        Protect-ForMe $log
        Set-Content -LiteralPath $log -Value $Lines -Encoding UTF8
        Stop-Build "icd.exe built an encrypted package but printed no password line, so nobody could open the package: it was not kept. icd.exe's output is in $log (readable only by $Me). Build again, or without .ppkg encryption." 3
    }
    New-Item -ItemType File -Path $File -Force | Out-Null
    Protect-ForMe $File
    Set-Content -LiteralPath $File -Value $secret -Encoding UTF8
}

function Test-PackageSize([string]$Package) {
    if (-not (Test-Path -LiteralPath $Package -PathType Leaf)) {
        Stop-Build "icd.exe reported success but wrote no package (its output is above)."
    }
    $size = (Get-Item -LiteralPath $Package).Length
    if ($size -lt $MinimumBytes) {
        Stop-Build "the package is $size bytes, but its payload is $PayloadBytes bytes: icd.exe left files out (a path it could not use, or settings the store file did not know). No package was kept."
    }
}

function Test-PackageContents([string]$Package, [string]$Into) {
    if ($Encrypt -or $PayloadNames.Count -eq 0) { return }
    if (-not (Get-Command Export-ProvisioningPackage -ErrorAction SilentlyContinue)) {
        Write-Host '  (Export-ProvisioningPackage is not available here: the contents were not checked.)'
        return
    }
    try {
        Export-ProvisioningPackage -PackagePath $Package -OutputFolder $Into -AllowClobber | Out-Null
    } catch {
        Write-Host "  (Export-ProvisioningPackage could not read the package: $($_.Exception.Message); the contents were not checked.)"
        return
    }
    $names = @(Get-ChildItem -LiteralPath $Into -Recurse -File | ForEach-Object { $_.Name })
    $missing = @($PayloadNames | Where-Object { $names -notcontains $_ })
    if ($missing.Count -eq $PayloadNames.Count) {
        Stop-Build "the package holds none of its payload files ($($PayloadNames -join ', ')): icd.exe left them out. No package was kept."
    }
    if ($missing.Count -gt 0) { Write-Host "  Note: Export-ProvisioningPackage did not show $($missing -join ', ') in the package; check it before use." }
}

function Move-Package([string]$Package, [string]$Output) {
    New-Item -ItemType Directory -Path (Split-Path -Parent $Output) -Force | Out-Null
    $base = [IO.Path]::GetFileNameWithoutExtension($Output)
    foreach ($file in @(Get-ChildItem -LiteralPath (Split-Path -Parent $Package) -File)) {
        $target = Join-Path (Split-Path -Parent $Output) ($base + $file.Extension)
        Move-Item -LiteralPath $file.FullName -Destination $target -Force
    }
}

function Write-Summary([string]$Output, [string]$PasswordFile) {
    Write-Host ''
    Write-Host "Provisioning package: $Output"
    if ($Encrypt) {
        Write-Host "Its password (icd.exe generated it): in $PasswordFile, readable only by $Me."
        Write-Host '  Give the password to whoever applies the package, apart from it; never copy'
        Write-Host '  this file with the .ppkg, and delete it when the devices are done.'
    } else {
        Write-Host 'The package is not encrypted: it has no password.'
    }
}

try {
    Assert-Elevated
    $icd = Find-Icd
    $storeFile = Find-StoreFile $icd
    $output = Get-OutputPath
    $PasswordFile = "$output-password.txt"
    $Work = New-WorkFolder
    $project = Copy-Project $Work
    $xml = Join-Path $project 'customizations.xml'
    $made = Set-AbsolutePaths $xml $project
    Write-Host "  $made payload path(s) made absolute in the working copy $project"
    Test-Payload $project
    $package = Join-Path $Work "out\$Stem.ppkg"
    $lines = Invoke-Icd $icd $xml $package $storeFile
    if ($Encrypt) {
        $PasswordWritten = $true
        Save-PackagePassword $lines $PasswordFile
    }
    Test-PackageSize $package
    Test-PackageContents $package (Join-Path $Work 'export')
    Move-Package $package $output
    Write-Summary $output $PasswordFile
} catch {
    Stop-Build $_.Exception.Message
}
Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
exit 0
